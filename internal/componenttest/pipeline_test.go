package componenttest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"gitlab.com/heroku-deploy/heroku/internal/gitlabci"
	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

// Assembling a consumer's pipeline the way GitLab does at pipeline
// creation: each `include: component:` of this project is resolved to its
// template, rendered with the include's inputs by the GitLab-faithful
// renderer, and merged; the including file is merged last and wins
// (doc/ci/yaml/includes.md, "Merge method": a deep merge of hashes).

// repoRoot is the repository the tests run in.
var repoRoot, _ = filepath.Abs("../..")

// componentProject is this project's path in the examples and tests.
const componentProject = "heroku-deploy/heroku"

// includeVars are the variables a pipeline has when it resolves includes
// and runs expand_vars, for a push to the ref named ref: project and server
// predefined variables, the default branch, the commit
// (doc/ci/yaml/includes.md, "Use variables with include").
func includeVars(ref string) map[string]string {
	return map[string]string{
		"CI_SERVER_FQDN":     "gitlab.example.com",
		"CI_SERVER_HOST":     "gitlab.example.com",
		"CI_SERVER_URL":      "https://gitlab.example.com",
		"CI_PROJECT_PATH":    componentProject,
		"CI_PROJECT_NAME":    "heroku",
		"CI_DEFAULT_BRANCH":  "main",
		"CI_COMMIT_REF_NAME": ref,
		"CI_COMMIT_SHA":      "0123456789abcdef0123456789abcdef01234567",
	}
}

// jobPredefinedVars are predefined variables a job has when it runs (and
// the runner expands image names with), beyond the include-time ones.
var jobPredefinedVars = map[string]string{
	"CI_REGISTRY":       "registry.example.com",
	"CI_REGISTRY_IMAGE": "registry.example.com/" + componentProject,
}

// templatePaths lists every component of the project: templates/<name>.yml
// and templates/<name>/template.yml (the catalog's layout,
// doc/ci/components/_index.md).
func templatePaths(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	single, _ := filepath.Glob(filepath.Join(repoRoot, "templates", "*.yml"))
	dirs, _ := filepath.Glob(filepath.Join(repoRoot, "templates", "*", "template.yml"))
	for _, p := range single {
		out[strings.TrimSuffix(filepath.Base(p), ".yml")] = p
	}
	for _, p := range dirs {
		name := filepath.Base(filepath.Dir(p))
		if _, dup := out[name]; dup {
			t.Fatalf("component %s is both templates/%[1]s.yml and templates/%[1]s/template.yml", name)
		}
		out[name] = p
	}
	if len(out) == 0 {
		t.Fatal("no templates/*.yml")
	}
	return out
}

// templateNames returns the component names, sorted.
func templateNames(t testing.TB) []string {
	var names []string
	for n := range templatePaths(t) {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func loadComponent(t testing.TB, name string) *gitlabci.Component {
	t.Helper()
	p, ok := templatePaths(t)[name]
	if !ok {
		t.Fatalf("no component %s", name)
	}
	src, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	c, err := gitlabci.ParseComponent(src)
	if err != nil {
		t.Fatalf("templates/%s.yml: %v", name, err)
	}
	return c
}

// componentAddrRE splits <fqdn>/<project path>/<name>@<version>: the last
// slash separates the project from the component (doc/ci/components).
var componentAddrRE = regexp.MustCompile(`^([^/]+)/(.+)/([^/@]+)@(.+)$`)

// assembler builds pipelines from a consumer configuration.
type assembler struct {
	// sources overrides a component's template text (mutation checks).
	sources map[string][]byte
	vars    map[string]string
}

func (a *assembler) template(t testing.TB, name string) (*gitlabci.Component, error) {
	if src, ok := a.sources[name]; ok {
		return gitlabci.ParseComponent(src)
	}
	p, ok := templatePaths(t)[name]
	if !ok {
		return nil, fmt.Errorf("component %s not found in templates/", name)
	}
	src, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return gitlabci.ParseComponent(src)
}

// assemble returns the merged pipeline, or the error GitLab would show.
func (a *assembler) assemble(t testing.TB, consumer *gitlabci.Map) (*gitlabci.Map, error) {
	merged := gitlabci.NewMap()
	inc, _ := consumer.Get("include")
	var items []any
	switch x := inc.(type) {
	case nil:
	case []any:
		items = x
	default:
		items = []any{x}
	}
	for i, item := range items {
		im, ok := item.(*gitlabci.Map)
		if !ok || im.Str("component") == "" {
			return nil, fmt.Errorf("include %d: only component includes of this project are supported here", i)
		}
		addr, missing := gitlabci.ExpandRunner(im.Str("component"), a.vars)
		if len(missing) > 0 {
			return nil, fmt.Errorf("include %d: component address uses unknown $%s", i, strings.Join(missing, ", $"))
		}
		m := componentAddrRE.FindStringSubmatch(addr)
		if m == nil || m[1] != a.vars["CI_SERVER_FQDN"] || m[2] != componentProject {
			return nil, fmt.Errorf("include %d: %q is not a component of %s on this instance", i, addr, componentProject)
		}
		c, err := a.template(t, m[3])
		if err != nil {
			return nil, fmt.Errorf("include %d (%s): %v", i, m[3], err)
		}
		args, _ := im.Get("inputs")
		argm, _ := args.(*gitlabci.Map)
		if args != nil && argm == nil {
			return nil, fmt.Errorf("include %d (%s): inputs should be a hash", i, m[3])
		}
		body, err := c.Render(argm, gitlabci.RenderOptions{Vars: a.vars})
		if err != nil {
			return nil, fmt.Errorf("include %d (%s): %v", i, m[3], err)
		}
		bm, ok := body.(*gitlabci.Map)
		if !ok {
			return nil, fmt.Errorf("include %d (%s): the configuration is not a hash", i, m[3])
		}
		merged = gitlabci.DeepMerge(merged, bm)
	}
	rest := gitlabci.DeepCopy(consumer).(*gitlabci.Map)
	rest.Del("include")
	return gitlabci.DeepMerge(merged, rest), nil
}

// consumerPipeline parses YAML text, checks it against GitLab's schema as
// written, assembles it and checks the result: schema and the job-level
// rules. It returns the assembled pipeline and every error.
func consumerPipeline(t testing.TB, a *assembler, src string) (*gitlabci.Map, []error) {
	t.Helper()
	v, err := gitlabci.LoadOne([]byte(src))
	if err != nil {
		return nil, []error{err}
	}
	consumer, ok := v.(*gitlabci.Map)
	if !ok {
		return nil, []error{fmt.Errorf("the pipeline is not a hash")}
	}
	var errs []error
	if err := validateSchema(t, consumer); err != nil {
		errs = append(errs, fmt.Errorf("as written: %v", err))
	}
	p, err := a.assemble(t, consumer)
	if err != nil {
		return nil, append(errs, err)
	}
	vars := map[string]string{}
	for _, m := range []map[string]string{jobPredefinedVars, a.vars} {
		for k, v := range m {
			vars[k] = v
		}
	}
	return p, append(errs, validatePipeline(t, p, vars)...)
}

// semverPattern is a catalog version: semantic, no v prefix
// (doc/ci/components: the catalog requires semantic version tags).
const semverPattern = `(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)(?:-[0-9A-Za-z.-]+)?`

// gitlabSchema returns GitLab's CI schema, compiled. It needs
// gitlab-ci-local (and node, which runs it).
func gitlabSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	testenv.Need(t, "gitlab-ci-local", "node")
	sch, err := gitlabci.Schema()
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// validateSchema validates one YAML document against GitLab's CI schema.
func validateSchema(t testing.TB, doc any) error {
	return gitlabci.ValidateSchema(gitlabSchema(t), doc)
}

// validatePipeline runs GitLab's schema and the job-level checks
// (gitlabci.CheckPipeline) on one assembled pipeline.
func validatePipeline(t testing.TB, p *gitlabci.Map, vars map[string]string) []error {
	var errs []error
	if err := validateSchema(t, p); err != nil {
		errs = append(errs, err)
	}
	return append(errs, gitlabci.CheckPipeline(p, vars)...)
}

func joinErrors(errs []error) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n\t%v", e)
	}
	return b.String()
}
