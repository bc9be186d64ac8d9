// Package archtest holds ARCHITECTURE.md to the code: its package table is
// the allowed import graph, checked against go list.
package archtest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

const module = "gitlab.com/heroku-deploy/heroku/"

type pkg struct {
	ImportPath  string
	Imports     []string
	TestImports []string
	GoFiles     []string
}

// goList runs go list at the repository's root. It runs under -short too:
// the map must hold in every run, and go is always there (go test puts
// GOROOT/bin on the PATH of the tests it runs).
func goList(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = testenv.Root(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// packages lists the module's packages.
func packages(t *testing.T) []pkg {
	t.Helper()
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(goList(t, "-json", "./...")))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		p.ImportPath = strings.TrimPrefix(p.ImportPath, module)
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// allowed reads ARCHITECTURE.md's package table: package -> what it may import.
func allowed(t *testing.T) map[string][]string {
	t.Helper()
	doc := testenv.Section(t, testenv.ReadFile(t, "ARCHITECTURE.md"), "## Packages")
	row := regexp.MustCompile("(?m)^\\| `([a-z/-]+)` \\|.*\\|([^|]*)\\|$")
	out := map[string][]string{}
	for _, m := range row.FindAllStringSubmatch(doc, -1) {
		out[m[1]] = regexp.MustCompile("`([a-z/-]+)`").FindAllString(m[2], -1)
		for i, s := range out[m[1]] {
			out[m[1]][i] = strings.Trim(s, "`")
		}
	}
	if len(out) == 0 {
		t.Fatal("ARCHITECTURE.md: no package table under ## Packages")
	}
	return out
}

// ownImports returns the module's own packages among imports.
func ownImports(imports []string) []string {
	var out []string
	for _, i := range imports {
		if rest, ok := strings.CutPrefix(i, module); ok {
			out = append(out, rest)
		}
	}
	return out
}

// TestImportsFollowArchitecture: every package is in the table, and imports
// only what its row allows. Packages made of tests alone (componenttest…)
// are held to their test imports.
func TestImportsFollowArchitecture(t *testing.T) {
	rules := allowed(t)
	seen := map[string]bool{}
	for _, p := range packages(t) {
		seen[p.ImportPath] = true
		may, ok := rules[p.ImportPath]
		if !ok {
			t.Errorf("%s is not in ARCHITECTURE.md's package table", p.ImportPath)
			continue
		}
		imports := p.Imports
		if len(p.GoFiles) == 0 {
			imports = p.TestImports
		}
		for _, imp := range ownImports(imports) {
			if !slices.Contains(may, imp) {
				t.Errorf("%s imports %s, which ARCHITECTURE.md does not allow", p.ImportPath, imp)
			}
		}
		for _, imp := range imports {
			if strings.HasPrefix(imp, "github.com/heroku/heroku-go") && p.ImportPath != "internal/herokuapi" {
				t.Errorf("%s imports heroku-go: only internal/herokuapi may", p.ImportPath)
			}
		}
	}
	for name := range rules {
		if !seen[name] {
			t.Errorf("ARCHITECTURE.md lists %s, which is not a package", name)
		}
	}
}

// TestBinaryLinksNoSimulator: the shipped binary depends on neither the
// simulators, GitLab's rules (internal/gitlabci) nor the test framework.
func TestBinaryLinksNoSimulator(t *testing.T) {
	// internal/image is listed until the binary links it: what it brings
	// in is what the binary will.
	for _, dep := range strings.Fields(string(goList(t, "-deps", "./cmd/heroku-deploy", "./internal/image"))) {
		if strings.Contains(dep, "/internal/herokusim") || strings.HasSuffix(dep, "/internal/gitlabfake") || strings.HasSuffix(dep, "/internal/registrysim") ||
			strings.HasSuffix(dep, "/internal/fault") || strings.HasSuffix(dep, "/internal/leakcheck") || strings.HasSuffix(dep, "/internal/gitlabci") ||
			dep == "github.com/google/go-containerregistry/pkg/registry" || strings.Contains(dep, "testscript") || strings.HasSuffix(dep, "/internal/testenv") {
			t.Errorf("the heroku-deploy binary links %s", dep)
		}
	}
}

// TestSimulatorLinksNoTestscript: the simulator is a library and a
// program (cmd/herokusim); its testscript commands live in
// internal/herokusim/simscript.
func TestSimulatorLinksNoTestscript(t *testing.T) {
	for _, dep := range strings.Fields(string(goList(t, "-deps", "./internal/herokusim", "./cmd/herokusim"))) {
		if strings.Contains(dep, "testscript") || strings.HasSuffix(dep, "/internal/leakcheck") {
			t.Errorf("the simulator links %s", dep)
		}
	}
}

// TestEveryGoroutineIsGuarded: a panic in a goroutine the binary starts
// would end it with Go's exit 2, which promises that nothing changed;
// each one defers rescue.Guard first, which hands the panic to the
// command line's report (exit 4, or 6 while maintenance may be on).
func TestEveryGoroutineIsGuarded(t *testing.T) {
	root := testenv.Root(t)
	start := regexp.MustCompile(`(\bgo func\(|\.Go\(func\()[^\n]*\{\n`)
	for _, dep := range strings.Fields(string(goList(t, "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./cmd/heroku-deploy"))) {
		rel, ok := strings.CutPrefix(dep, module)
		if !ok {
			continue // a dependency's goroutines are its own
		}
		for _, f := range goFiles(t, root, rel) {
			src := testenv.ReadFile(t, f)
			for _, loc := range start.FindAllStringIndex(src, -1) {
				next, _, _ := strings.Cut(src[loc[1]:], "\n")
				if strings.TrimSpace(next) != "defer rescue.Guard()" {
					line := strings.Count(src[:loc[0]], "\n") + 1
					t.Errorf("%s:%d: a goroutine that does not start with defer rescue.Guard()", f, line)
				}
			}
		}
	}
}

// goFiles lists the package's non-test Go files, from the repository's root.
func goFiles(t *testing.T, root, rel string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
			files = append(files, filepath.Join(rel, e.Name()))
		}
	}
	return files
}

// cliBudget is how many non-test lines internal/cli may hold (issue 20):
// flags, their translation into a workflow's config, and the one report.
// A command that needs more is putting a workflow in the command line.
const cliBudget = 1400

// TestCommandLineStaysThin holds internal/cli to its budget: the lines
// past it belong in a workflow's package (ARCHITECTURE.md, "Where a new
// thing goes").
func TestCommandLineStaysThin(t *testing.T) {
	root := testenv.Root(t)
	lines := 0
	for _, f := range goFiles(t, root, "internal/cli") {
		lines += strings.Count(testenv.ReadFile(t, f), "\n")
	}
	if lines >= cliBudget {
		t.Errorf("internal/cli has %d non-test lines, over its budget of %d: move the checks and workflows it grew into their packages", lines, cliBudget)
	}
	t.Logf("internal/cli: %d non-test lines of %d", lines, cliBudget)
}
