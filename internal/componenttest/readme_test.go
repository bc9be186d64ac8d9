package componenttest

import (
	"regexp"
	"strings"
	"testing"
)

type input struct{ name, typ, def string }

// specInputs reads spec:inputs from the template. The template's layout is
// ours (two-space indents), so a line-based reader is enough; it fails
// rather than guess when it finds nothing.
func specInputs(t *testing.T) []input {
	t.Helper()
	spec, _ := template(t)
	_, body, ok := strings.Cut(spec, "\n  inputs:\n")
	if !ok {
		t.Fatal("templates/deploy.yml: no spec:inputs")
	}
	var out []input
	for _, line := range strings.Split(body, "\n") {
		switch {
		case regexp.MustCompile(`^    [a-z_]+:$`).MatchString(line):
			out = append(out, input{name: strings.TrimSuffix(strings.TrimSpace(line), ":"), typ: "string"})
		case len(out) == 0:
		case strings.HasPrefix(line, "      default: "):
			out[len(out)-1].def = strings.TrimPrefix(line, "      default: ")
		case strings.HasPrefix(line, "      type: "):
			out[len(out)-1].typ = strings.TrimPrefix(line, "      type: ")
		case strings.HasPrefix(line, "      options: "):
			opts := strings.Split(strings.Trim(strings.TrimPrefix(line, "      options: "), "[]"), ", ")
			out[len(out)-1].typ = "`" + strings.Join(opts, "` \\| `") + "`"
		}
	}
	if len(out) == 0 {
		t.Fatal("templates/deploy.yml: no inputs found")
	}
	return out
}

// TestREADMEInputsTable keeps the README's inputs table true: the same
// inputs in the same order, with the template's types and defaults.
func TestREADMEInputsTable(t *testing.T) {
	_, section := cutFile(t, "README.md", "\n#### Inputs\n")
	section, _, _ = strings.Cut(section, "\n#")
	var doc []input
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		// Cells split on "|" but not on the escaped "\|" inside one.
		cells := strings.Split(strings.ReplaceAll(line, `\|`, "\x00"), "|")
		if len(cells) < 5 {
			t.Fatalf("README inputs row %q: want 4 cells", line)
		}
		cell := func(i int) string {
			return strings.ReplaceAll(strings.TrimSpace(cells[i]), "\x00", `\|`)
		}
		doc = append(doc, input{strings.Trim(cell(1), "`"), cell(2), strings.Trim(cell(3), "`")})
	}
	spec := specInputs(t)
	if len(doc) != len(spec) {
		t.Errorf("README lists %d inputs, the template has %d", len(doc), len(spec))
	}
	for i := range min(len(doc), len(spec)) {
		want, got := spec[i], doc[i]
		if want.def == "" {
			want.typ += ", required"
		}
		if got != want {
			t.Errorf("README row %d: %+v; template: %+v", i+1, got, want)
		}
	}
}
