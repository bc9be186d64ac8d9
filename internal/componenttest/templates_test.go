package componenttest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/gitlabci"
)

// Every component in templates/ is rendered by GitLab's rules with its
// defaults and with a full set of sample inputs, and the result must pass
// GitLab's CI schema and the job-level rules the schema misses. Sample
// inputs live in testdata/<component>.inputs.yml; a component without them
// fails.

type samples struct {
	minimal, full *gitlabci.Map
}

func loadSamples(t testing.TB, name string) samples {
	t.Helper()
	p := filepath.Join("testdata", name+".inputs.yml")
	src, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("component %s has no sample inputs: create %s with `minimal:` and `full:` (%v)", name, p, err)
	}
	v, err := gitlabci.LoadOne(src)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	m, _ := v.(*gitlabci.Map)
	s := samples{minimal: m.Sub("minimal"), full: m.Sub("full")}
	if s.minimal == nil || s.full == nil {
		t.Fatalf("%s: want `minimal:` and `full:` mappings of inputs (`minimal: {}` when no input is required)", p)
	}
	return s
}

func (s *samples) sets() map[string]*gitlabci.Map {
	return map[string]*gitlabci.Map{"minimal": s.minimal, "full": s.full}
}

// consumerFor writes a consumer pipeline that includes the component once
// with the given inputs, declaring the stage the job will use.
func consumerFor(name string, c *gitlabci.Component, inputs *gitlabci.Map) string {
	stages := []any{"build", "test", "deploy"}
	if in, ok := c.Input("stage"); ok {
		st := in.Default
		if v, ok := inputs.Get("stage"); ok {
			st = v
		}
		if s, ok := st.(string); ok && !slices.Contains(stages, any(s)) {
			stages = append(stages, s)
		}
	}
	inc := gitlabci.NewMap()
	inc.Set("component", "$CI_SERVER_FQDN/"+componentProject+"/"+name+"@1.0.0")
	if len(inputs.Keys) > 0 {
		inc.Set("inputs", inputs)
	}
	p := gitlabci.NewMap()
	p.Set("stages", stages)
	p.Set("include", []any{inc})
	return string(gitlabci.DumpYAML(p))
}

func TestTemplatesHaveSampleInputs(t *testing.T) {
	for _, name := range templateNames(t) {
		t.Run(name, func(t *testing.T) {
			c := loadComponent(t, name)
			s := loadSamples(t, name)
			var required, all []string
			for _, in := range c.Inputs {
				all = append(all, in.Name)
				if !in.HasDefault {
					required = append(required, in.Name)
				}
			}
			if got := strings.Join(s.minimal.Keys, ","); got != strings.Join(required, ",") {
				t.Errorf("minimal sets %q; want exactly the required inputs %q, in spec order", got, strings.Join(required, ","))
			}
			if got := strings.Join(s.full.Keys, ","); got != strings.Join(all, ",") {
				t.Errorf("full sets %q; want every input %q, in spec order", got, strings.Join(all, ","))
			}
			// List values must exercise the rendering GitLab does.
			var items []string
			for _, in := range c.Inputs {
				if in.Type != "array" {
					continue
				}
				list, _ := s.full.Vals[in.Name].([]any)
				if len(list) < 2 {
					t.Errorf("full %s: give at least two items", in.Name)
				}
				if wholeValueOnly(c, in.Name) {
					continue // never rendered as text
				}
				for _, e := range list {
					if str, ok := e.(string); ok {
						items = append(items, str)
					}
				}
			}
			if len(items) > 0 {
				joined := strings.Join(items, "\n")
				for _, ch := range []string{" ", ",", "$", `"`} {
					if !strings.Contains(joined, ch) {
						t.Errorf("full: no list item contains %q", ch)
					}
				}
			}
		})
	}
}

func TestTemplatesRenderAndValidate(t *testing.T) {
	for _, name := range templateNames(t) {
		t.Run(name, func(t *testing.T) {
			c := loadComponent(t, name)
			s := loadSamples(t, name)
			if c.Header != nil {
				if err := validateSchema(t, c.Header); err != nil {
					t.Errorf("header: %v", err)
				}
			}
			for set, inputs := range s.sets() {
				t.Run(set, func(t *testing.T) {
					a := &assembler{vars: includeVars("main")}
					p, errs := consumerPipeline(t, a, consumerFor(name, c, inputs))
					if len(errs) > 0 {
						t.Fatalf("GitLab would reject it:%s", joinErrors(errs))
					}
					if len(gitlabci.Jobs(p)) == 0 {
						t.Fatal("the component adds no job")
					}
					checkListRendering(t, c, inputs, p)
				})
			}
		})
	}
}

// checkListRendering finds every use of an array input in the rendered
// pipeline: each must be text, Ruby's Array#inspect of the value (what
// heroku-deploy parses), with nothing else around it but whitespace. An
// input used only as a whole YAML value (tags) stays a list, GitLab's own
// (TestTagsInput).
func checkListRendering(t *testing.T, c *gitlabci.Component, inputs *gitlabci.Map, p *gitlabci.Map) {
	t.Helper()
	for _, in := range c.Inputs {
		if in.Type != "array" || wholeValueOnly(c, in.Name) {
			continue
		}
		value := in.Default
		if v, ok := inputs.Get(in.Name); ok {
			value = v
		}
		want, err := gitlabci.RubyInspectArray(value.([]any))
		if err != nil {
			t.Fatal(err)
		}
		uses := 0
		eachString(c.Body, func(s string) {
			for _, m := range gitlabci.BlockRE.FindAllStringSubmatch(s, -1) {
				if strings.HasPrefix(strings.TrimSpace(m[1])+" ", "inputs."+in.Name+" ") ||
					strings.HasPrefix(strings.TrimSpace(m[1]), "inputs."+in.Name+"|") {
					uses++
				}
			}
		})
		found := 0
		eachString(p, func(s string) {
			if strings.TrimSpace(s) == want {
				found++
			}
		})
		if uses == 0 || found < uses {
			t.Errorf("%s: used %d times; want each use rendered as the text %s (found %d)", in.Name, uses, want, found)
		}
	}
}

// wholeValueOnly: every use of the input in the template's body is a
// whole YAML value, `key: $[[ inputs.NAME ]]`, which keeps the input's
// type (interpolation/template.rb).
func wholeValueOnly(c *gitlabci.Component, name string) bool {
	uses, whole := 0, 0
	eachString(c.Body, func(s string) {
		for _, m := range gitlabci.BlockRE.FindAllStringSubmatch(s, -1) {
			if ref := strings.TrimSpace(m[1]); ref == "inputs."+name || strings.HasPrefix(ref, "inputs."+name+" ") || strings.HasPrefix(ref, "inputs."+name+"|") {
				uses++
				if strings.TrimSpace(s) == m[0] {
					whole++
				}
			}
		}
	})
	return uses > 0 && uses == whole
}

// eachString calls f on every string in a value tree (keys excluded).
func eachString(v any, f func(string)) {
	switch x := v.(type) {
	case *gitlabci.Map:
		for _, k := range x.Keys {
			eachString(x.Vals[k], f)
		}
	case []any:
		for _, e := range x {
			eachString(e, f)
		}
	case string:
		f(x)
	}
}

// cliEnvNames reads the env tags of internal/cli: the variables the binary
// reads.
func cliEnvNames(t *testing.T) []string {
	files, _ := filepath.Glob(filepath.Join(repoRoot, "internal", "cli", "*.go"))
	re := regexp.MustCompile(`env:"([^"]+)"`)
	var names []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			names = append(names, strings.Split(m[1], ",")...)
		}
	}
	if len(names) == 0 {
		t.Fatal("no env tags found in internal/cli")
	}
	return names
}

// TestTemplateVariablesReachTheBinary: each HEROKU_DEPLOY_<INPUT> job
// variable is one the binary reads and carries exactly that input; any
// other HEROKU_DEPLOY_ variable must be used by the job's image.
func TestTemplateVariablesReachTheBinary(t *testing.T) {
	env := cliEnvNames(t)
	blockOnly := regexp.MustCompile(`^\s*\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*(\|\s*expand_vars\s*)?\]\]\s*$`)
	for _, name := range templateNames(t) {
		t.Run(name, func(t *testing.T) {
			c := loadComponent(t, name)
			body, _ := c.Body.(*gitlabci.Map)
			for _, jobName := range gitlabci.Jobs(body) {
				job := body.Sub(jobName)
				vars := job.Sub("variables")
				if vars == nil {
					continue
				}
				image := fmt.Sprint(job.Vals["image"])
				if img := job.Sub("image"); img != nil {
					image = img.Str("name")
				}
				for _, v := range vars.Keys {
					if !strings.HasPrefix(v, "HEROKU_DEPLOY_") {
						continue
					}
					raw := vars.Vals[v]
					literal := false
					if h, ok := raw.(*gitlabci.Map); ok {
						raw = h.Vals["value"]
						literal = h.Vals["expand"] == false
					}
					text, _ := raw.(string)
					// A rendered list may hold a $ (a path, a URL): it
					// must reach the binary literally.
					for _, m := range gitlabci.BlockRE.FindAllStringSubmatch(text, -1) {
						in, _ := c.Input(strings.TrimPrefix(strings.TrimSpace(m[1]), "inputs."))
						if in.Type == "array" && !literal {
							t.Errorf("%s: %s carries the list input %s without expand: false", jobName, v, in.Name)
						}
					}
					if !slices.Contains(env, v) {
						// Not for the binary: it must feed the image.
						if !strings.Contains(image, "$"+v) && !anyInputDefaultUses(c, "$"+v) {
							t.Errorf("%s: variable %s is read neither by heroku-deploy (internal/cli env tags) nor by the job's image", jobName, v)
						}
						continue
					}
					m := blockOnly.FindStringSubmatch(text)
					if m == nil {
						t.Errorf("%s: %s = %q; want exactly one input block", jobName, v, text)
						continue
					}
					if want := "HEROKU_DEPLOY_" + strings.ToUpper(m[1]); v != want {
						t.Errorf("%s: input %s is passed as %s; the binary reads %s", jobName, m[1], v, want)
					}
				}
			}
		})
	}
}

func anyInputDefaultUses(c *gitlabci.Component, ref string) bool {
	for _, in := range c.Inputs {
		if s, ok := in.Default.(string); ok && strings.Contains(s, ref) {
			return true
		}
	}
	return false
}

// linkingCommands are the commands the templates run that change an app
// and take --annotations (internal/cli's AnnotationsFlag): their jobs
// write the annotations report. review destroy and review sweep delete
// apps (no page is left to link to); run changes none.
var linkingCommands = []string{"heroku-deploy deploy", "heroku-deploy promote", "heroku-deploy review deploy"}

// reportFlagRE is a report flag on a script line and the file it names.
var reportFlagRE = regexp.MustCompile(`--(dotenv|annotations)[ =](\S+)`)

// TestTemplatesDeclareTheirReports: every report a job's script writes is
// declared under artifacts:reports with the same file name, and every
// declared one is written; a job that runs a command that changes an app
// writes the annotations report (GitLab 16.3+: artifacts:reports:
// annotations, doc/ci/yaml/artifacts_reports.md). GitLab uploads reports
// whatever the job's result (Ci::BuildRunnerPresenter sends each with
// when: always), so no artifacts:when is needed for a failed job's links.
func TestTemplatesDeclareTheirReports(t *testing.T) {
	linking := 0
	for _, name := range templateNames(t) {
		c := loadComponent(t, name)
		body, _ := c.Body.(*gitlabci.Map)
		for _, jobName := range gitlabci.Jobs(body) {
			job := body.Sub(jobName)
			written := map[string]string{}
			links := false
			script, _ := job.Vals["script"].([]any)
			for _, l := range script {
				line, _ := l.(string)
				for _, m := range reportFlagRE.FindAllStringSubmatch(line, -1) {
					written[m[1]] = m[2]
				}
				for _, cmd := range linkingCommands {
					if line == cmd || strings.HasPrefix(line, cmd+" ") {
						links = true
					}
				}
			}
			if links {
				linking++
				if written["annotations"] == "" {
					t.Errorf("%s/%s: its command changes an app, and the job writes no annotations report (--annotations FILE)", name, jobName)
				}
			}
			declared := map[string]string{}
			if r := job.Sub("artifacts").Sub("reports"); r != nil {
				for _, k := range r.Keys {
					declared[k], _ = r.Vals[k].(string)
				}
			}
			for kind, file := range written {
				if declared[kind] != file {
					t.Errorf("%s/%s: the script writes the %s report %s; artifacts:reports:%s is %q", name, jobName, kind, file, kind, declared[kind])
				}
			}
			for kind, file := range declared {
				if written[kind] != file {
					t.Errorf("%s/%s: artifacts:reports:%s declares %s, which the script does not write", name, jobName, kind, file)
				}
			}
			if _, ok := job.Sub("artifacts").Get("when"); ok {
				t.Errorf("%s/%s: artifacts:when set: reports are uploaded whatever the result, and when would apply to other artifacts only", name, jobName)
			}
		}
	}
	if linking < 3 {
		t.Errorf("%d jobs run deploy, promote or review deploy; want the deploy, promote and review components' at least", linking)
	}
}
