package gitlabci

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

// TestRubySemanticsMatchRuby checks the renderer's copies of Ruby
// behaviour against Ruby itself (GitLab 17.0 runs on Ruby 3.1; Debian's
// ruby is 3.1 too): Array#inspect (which Array#to_s is), Float#to_s, and
// String#gsub with a string pattern, whose replacement text Ruby reads for
// back-references. Those decide what GitLab writes into a string when an
// input is interpolated inside it.
func TestRubySemanticsMatchRuby(t *testing.T) {
	testenv.Need(t, "ruby")
	type gsubCase struct{ S, Pat, Repl string }
	type cases struct {
		Lists  [][]any
		Floats []float64
		Gsubs  []gsubCase
	}
	var c cases
	// Strings with every escape Ruby knows, the characters around them,
	// and a sample of Unicode classes.
	special := []string{`"`, `\`, "#", "#{", "#$", "#@", "{", "$", "@", "\n", "\t", "\r", "\f", "\v", "\b", "\a", "\x1b",
		"\x00", "\x01", "\x7f", " ", "'", "é", "😀", "\u0085", "\u0080", "\u009f", "\u00a0", "\u00ad", "\u200b", "\u2028",
		"\u2029", "\u0300", "\ue000", "\U000F0000", "\u0378", "\ufffe", "\ufeff", "\U0001F3FB", "a", "0", "\\u", "\\x"}
	rng := rand.New(rand.NewPCG(9, 17))
	c.Lists = append(c.Lists, []any{}, []any{"heroku/nodejs", "https://x/a,b.tgz"}, []any{nil, true, false, int64(3), 2.5, []any{"a", []any{}}})
	for _, s := range special {
		c.Lists = append(c.Lists, []any{s, "x" + s + "y"})
	}
	for range 300 {
		var b strings.Builder
		for range 1 + rng.IntN(6) {
			b.WriteString(special[rng.IntN(len(special))])
		}
		c.Lists = append(c.Lists, []any{b.String()})
	}
	c.Floats = []float64{0, 1, -1, 1.5, 100, 0.1, 0.0001, 0.00001, 0.000123, 1e14, 1e15, 1e16, 1e100, 1e-100,
		123456789.123456789, 12345678901234567, 2.5e-5, -0.5}
	for _, repl := range []string{`plain`, `a\0b`, `a\&b`, "a\\`b", `a\'b`, `a\1b`, `a\\b`, `a\\\\b`, `a\zb`, `a\`,
		`["C:\\dir", "q\"x"]`, `\\\0`} {
		c.Gsubs = append(c.Gsubs, gsubCase{"pre $[[ inputs.x ]] mid $[[ inputs.x ]] post", "$[[ inputs.x ]]", repl})
	}

	in, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	const script = `
require "json"
c = JSON.parse(STDIN.read)
puts JSON.generate({
  "lists" => c["Lists"].map { |l| l.inspect },
  "floats" => c["Floats"].map { |f| f.to_f.to_s },
  "gsubs" => c["Gsubs"].map { |g| g["S"].gsub(g["Pat"], g["Repl"]) },
})`
	cmd := exec.Command("ruby", "-e", script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ruby: %v\n%s", err, stderr.String())
	}
	var want struct{ Lists, Floats, Gsubs []string }
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i, l := range c.Lists {
		got, err := RubyInspectArray(fromJSON(l))
		if err != nil {
			t.Fatal(err)
		}
		if got != want.Lists[i] {
			t.Errorf("inspect of %q:\n got %s\nwant %s", l, got, want.Lists[i])
		}
	}
	for i, f := range c.Floats {
		if got := rubyFloat(f); got != want.Floats[i] {
			t.Errorf("Float#to_s of %v: got %s, want %s", f, got, want.Floats[i])
		}
	}
	for i, g := range c.Gsubs {
		got, err := rubyGsub(g.S, g.Pat, g.Repl)
		if err != nil {
			t.Fatal(err)
		}
		if got != want.Gsubs[i] {
			t.Errorf("gsub with %q:\n got %s\nwant %s", g.Repl, got, want.Gsubs[i])
		}
	}
}

// fromJSON turns JSON-decoded values back into the renderer's types
// (JSON numbers that are whole stay integers, as YAML would load them).
func fromJSON(v []any) []any {
	out := make([]any, len(v))
	for i, e := range v {
		switch x := e.(type) {
		case float64:
			if x == float64(int64(x)) && !strings.Contains(fmt.Sprint(x), ".") {
				out[i] = int64(x)
			} else {
				out[i] = x
			}
		case []any:
			out[i] = fromJSON(x)
		default:
			out[i] = e
		}
	}
	return out
}
