package outcome

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

// TestDocumentedExitCodes holds the docs' exit-code tables to the one
// table here: the general one (under "## Exit codes") to General's codes,
// run's (its "### … run …" subsection) to Run's. The tables live in
// docs/cli.md, the only place exit codes are given meanings.
func TestDocumentedExitCodes(t *testing.T) {
	const file = "docs/cli.md"
	parts := strings.Split(testenv.Section(t, testenv.ReadFile(t, file), "## Exit codes"), "\n### ")
	var run string
	for _, p := range parts[1:] {
		if heading, _, _ := strings.Cut(p, "\n"); strings.Contains(heading, "run") {
			run = p
		}
	}
	if run == "" {
		t.Fatalf("%s: no run subsection under ## Exit codes", file)
	}
	for _, tc := range []struct {
		name, table string
		kinds       []Kind
	}{{"general", parts[0], General}, {"run", run, Run}} {
		var documented, defined []int
		for _, m := range regexp.MustCompile(`(?m)^\| (\d+) \|`).FindAllStringSubmatch(tc.table, -1) {
			n, _ := strconv.Atoi(m[1])
			documented = append(documented, n)
		}
		for _, k := range tc.kinds {
			defined = append(defined, k.Code())
		}
		slices.Sort(documented)
		slices.Sort(defined)
		if !slices.Equal(documented, defined) {
			t.Errorf("%s documents %s exit codes %v; outcome's table has %v", file, tc.name, documented, defined)
		}
	}
}

// TestEveryKindHasACode: a kind added without its row in the table would
// exit 0.
func TestEveryKindHasACode(t *testing.T) {
	seen := map[int]Kind{}
	for k := Done; k <= RunStatus; k++ {
		c := k.Code()
		if k != Done && c == 0 {
			t.Errorf("kind %d has no exit code", k)
		}
		if other, dup := seen[c]; dup {
			t.Errorf("kinds %d and %d share exit code %d", other, k, c)
		}
		seen[c] = k
	}
	if len(codes) != int(RunStatus)+1 {
		t.Errorf("the table has %d rows for %d kinds", len(codes), RunStatus+1)
	}
}
