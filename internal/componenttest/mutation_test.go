package componenttest

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/gitlabci"
)

// Mutation checks: each mistake that made real GitLab reject the component
// (issue 9) is put back into every template, and the checks must fail on
// it. A check that passes a known-bad template proves nothing.

type mutation struct {
	name string
	// apply returns the mutated template text, or "" when the mutation
	// does not apply to this template.
	apply func(t *testing.T, c *gitlabci.Component, src string) string
	// want is a part of the error GitLab would show.
	want string
}

var imagePinRE = regexp.MustCompile(`(/heroku-deploy:)` + semverPattern)

var mutations = []mutation{
	{
		name: "spec:component",
		apply: func(t *testing.T, c *gitlabci.Component, src string) string {
			return strings.Replace(src, "\nspec:\n", "\nspec:\n  component: [version]\n", 1)
		},
		want: "header:spec config contains unknown keys: component",
	},
	{
		name: "257-character spec:description",
		apply: func(t *testing.T, c *gitlabci.Component, src string) string {
			return strings.Replace(src, "\nspec:\n", "\nspec:\n  description: "+strings.Repeat("d", 257)+"\n", 1)
		},
		want: "header:spec config contains unknown keys: description",
	},
	{
		name: "$[[ component.version ]] in the image",
		apply: func(t *testing.T, c *gitlabci.Component, src string) string {
			if !imagePinRE.MatchString(src) {
				t.Fatal("no image pin (heroku-deploy:X.Y.Z) in the template")
			}
			return imagePinRE.ReplaceAllString(src, "${1}$$[[ component.version ]]")
		},
		want: "unknown interpolation key: `component`",
	},
	{
		// The value of every node that holds an array input becomes that
		// block alone, as `X: '$[[ inputs.list ]]'` wrote it.
		name: "quoted whole-value array variable",
		apply: func(t *testing.T, c *gitlabci.Component, src string) string {
			arrays := map[string]bool{}
			for _, in := range c.Inputs {
				if in.Type == "array" && !wholeValueOnly(c, in.Name) { // tags: a list already
					arrays[in.Name] = true
				}
			}
			if len(arrays) == 0 {
				return ""
			}
			arrayBlock := func(v any) (string, bool) {
				s, _ := v.(string)
				for _, m := range gitlabci.BlockRE.FindAllStringSubmatch(s, -1) {
					if name, ok := strings.CutPrefix(strings.TrimSpace(m[1]), "inputs."); ok && arrays[name] {
						return "$[[ inputs." + name + " ]]", true
					}
				}
				return "", false
			}
			body := gitlabci.DeepCopy(c.Body)
			var walk func(v any) any
			walk = func(v any) any {
				switch x := v.(type) {
				case *gitlabci.Map:
					// {value: …, expand: …} goes back to the plain form too.
					if b, ok := arrayBlock(x.Vals["value"]); ok {
						return b
					}
					for _, k := range x.Keys {
						x.Vals[k] = walk(x.Vals[k])
					}
				case []any:
					for i := range x {
						x[i] = walk(x[i])
					}
				case string:
					if b, ok := arrayBlock(x); ok {
						return b
					}
				}
				return v
			}
			body = walk(body)
			return string(gitlabci.DumpYAML(c.Header)) + "---\n" + string(gitlabci.DumpYAML(body))
		},
		want: "variable definition must be either a string or a hash",
	},
	{
		// `|-` (or `>-`) strips the newline that makes the node longer
		// than its block.
		name: "list block scalar without its newline",
		apply: func(t *testing.T, c *gitlabci.Component, src string) string {
			if !strings.Contains(src, "value: |\n") {
				return ""
			}
			return strings.ReplaceAll(src, "value: |\n", "value: |-\n")
		},
		want: "value must be an alphanumeric string (it is a array)",
	},
}

// mutantErrors assembles the template text with both sample sets and
// returns every error.
func mutantErrors(t *testing.T, name string, c *gitlabci.Component, src string) string {
	s := loadSamples(t, name)
	var all []string
	for set, inputs := range s.sets() {
		a := &assembler{vars: includeVars("main"), sources: map[string][]byte{name: []byte(src)}}
		_, errs := consumerPipeline(t, a, consumerFor(name, c, inputs))
		for _, e := range errs {
			all = append(all, set+": "+e.Error())
		}
	}
	return strings.Join(all, "\n")
}

func TestMutationsAreCaught(t *testing.T) {
	for _, name := range templateNames(t) {
		src, err := os.ReadFile(templatePaths(t)[name])
		if err != nil {
			t.Fatal(err)
		}
		c := loadComponent(t, name)
		for _, m := range mutations {
			t.Run(name+"/"+m.name, func(t *testing.T) {
				mutant := m.apply(t, c, "\n"+string(src))
				if mutant == "" {
					t.Skipf("%s has nothing this mutation changes", name)
				}
				if mutant == "\n"+string(src) {
					t.Fatal("the mutation changed nothing")
				}
				got := mutantErrors(t, name, c, mutant)
				if !strings.Contains(got, m.want) {
					t.Errorf("the mutant was not rejected with %q; errors:\n%s", m.want, got)
				}
			})
		}
	}
}

// TestTemplateBeforeIssue9IsRejected: the template as it was before this
// work (testdata/deploy.before-issue-9.yml) fails the checks.
func TestTemplateBeforeIssue9IsRejected(t *testing.T) {
	old, err := os.ReadFile("testdata/deploy.before-issue-9.yml")
	if err != nil {
		t.Fatal(err)
	}
	got := mutantErrors(t, "deploy", loadComponent(t, "deploy"), string(old))
	if !strings.Contains(got, "unknown keys: description, component") {
		t.Errorf("the old template was not rejected for its header:\n%s", got)
	}
	// With the header fixed, its array variables still fail.
	fixed := regexp.MustCompile(`(?s)\n  description: >-\n.*?\n  component: \[version\]\n`).ReplaceAllString(string(old), "\n")
	fixed = strings.ReplaceAll(fixed, "$[[ component.version ]]", "1.0.0")
	got = mutantErrors(t, "deploy", loadComponent(t, "deploy"), fixed)
	if !strings.Contains(got, "HEROKU_DEPLOY_BUILDPACKS variable definition must be either a string or a hash") {
		t.Errorf("the old template's array variables were not rejected:\n%s", got)
	}
}
