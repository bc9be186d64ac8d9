package configvars

import (
	"errors"
	"maps"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	env := map[string]string{"STRIPE_KEY": "sk-1", "CI_DB": "postgres://x", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	got, err := Resolve([]string{"STRIPE_KEY", "DATABASE_URL=CI_DB", "DATABASE_URL=CI_DB"}, lookup, nil)
	if err != nil || !maps.Equal(got, map[string]string{"STRIPE_KEY": "sk-1", "DATABASE_URL": "postgres://x"}) {
		t.Fatalf("Resolve = %v, %v", got, err)
	}
	for spec, want := range map[string]string{
		"NOPE":                  "NOPE: CI/CD variable NOPE is not set",
		"X=EMPTY":               "X: CI/CD variable EMPTY is empty",
		"BAD-NAME=STRIPE_KEY":   `#1: what comes before "=" is not a config var name`,
		"X=sk-live-abcdefghijk": `X: the right side of "=" is not a CI/CD variable name; it is not shown`,
		"X=":                    `X: nothing after "="`,
		"X=NOT_SET":             `X: no CI/CD variable is set under the name after "="`,
	} {
		_, err := Resolve([]string{spec}, lookup, nil)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Resolve(%q) = %v, want %q", spec, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "sk-1") {
			t.Errorf("Resolve(%q): the error holds a value: %v", spec, err)
		}
	}
	var ae *ArgError
	if _, err := Resolve([]string{"X=EMPTY"}, lookup, nil); !errors.As(err, &ae) || len(ae.Hints) == 0 {
		t.Errorf("an empty variable: %v, want an *ArgError with a hint", err)
	}
	if _, err := Resolve([]string{"A=STRIPE_KEY", "A=CI_DB"}, lookup, nil); err == nil {
		t.Error("one name from two variables: no error")
	}
}

// TestResolveExpanded: an argument the shell expanded (`STRIPE_KEY=$STRIPE_LIVE`)
// is refused, naming the config var and the variable whose value it is,
// never repeating the value: not in the message, not in a hint, not a
// piece of it. A name-shaped value (sk_live_…) is no exception.
func TestResolveExpanded(t *testing.T) {
	const live = "sk_live_51HxYzAbCdEfGhIjKl"
	const pem = "-----BEGIN KEY-----\nMIIEvg==\n-----END KEY-----"
	const url = "postgres://u:p4ss@db:5432/app?sslmode=require"
	env := map[string]string{"STRIPE_LIVE": live, "TLS_KEY": pem, "DATABASE_URL": url, "SHORT": "true"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	var environ []string
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	for _, c := range []struct{ spec, msg, hint string }{
		{"STRIPE_KEY=" + live, `STRIPE_KEY: the right side of "=" is the value of CI/CD variable STRIPE_LIVE, not a variable's NAME: the shell expanded $STRIPE_LIVE`, "write STRIPE_KEY=STRIPE_LIVE, without the $"},
		{"CERT=" + pem, `CERT: the right side of "=" is the value of CI/CD variable TLS_KEY`, "write CERT=TLS_KEY"},
		{"DB=" + url, `DB: the right side of "=" is the value of CI/CD variable DATABASE_URL`, "write DB=DATABASE_URL"},
		{live, "#1 is the value of CI/CD variable STRIPE_LIVE, not NAME[=CI_VAR]", "write STRIPE_LIVE or NAME=STRIPE_LIVE"},
		{url, "#1 is the value of CI/CD variable DATABASE_URL", "write DATABASE_URL or NAME=DATABASE_URL"},
		// Not from the environment: not shown either, name-shaped or not.
		{"STRIPE_KEY=sk_live_other0123456789", `STRIPE_KEY: no CI/CD variable is set under the name after "="`, "if you wrote STRIPE_KEY=$VAR, the shell expanded it: write STRIPE_KEY=VAR"},
		{"STRIPE_KEY=sk-live-other0123456789", `STRIPE_KEY: the right side of "=" is not a CI/CD variable name`, "write STRIPE_KEY=VAR"},
		{"sk-live-other0123456789", `#1: what comes before "=" is not a config var name`, "write NAME=CI_VAR"},
		// A short value is the value of many variables: not named.
		{"DEBUG=true", `DEBUG: no CI/CD variable is set under the name after "="`, ""},
	} {
		_, err := Resolve([]string{c.spec}, lookup, environ)
		var ae *ArgError
		if !errors.As(err, &ae) {
			t.Errorf("Resolve(%q) = %v, want an *ArgError", c.spec, err)
			continue
		}
		if !strings.HasPrefix(ae.Msg, c.msg) {
			t.Errorf("Resolve(%q): %q, want %q", c.spec, ae.Msg, c.msg)
		}
		all := strings.Join(append([]string{ae.Msg}, ae.Hints...), "\n")
		if c.hint != "" && !strings.Contains(all, c.hint) {
			t.Errorf("Resolve(%q): hints %q, want %q", c.spec, ae.Hints, c.hint)
		}
		for _, v := range []string{live, "sk_l", "sk-l", "MIIE", "p4ss", "postgres", "sk_live_other", "true"} {
			if strings.Contains(all, v) {
				t.Errorf("Resolve(%q) repeats %q: %q", c.spec, v, all)
			}
		}
	}
	// A variable's name that is also some variable's value stays a name.
	env["ALIAS"] = "STRIPE_LIVE"
	environ = append(environ, "ALIAS=STRIPE_LIVE")
	if got, err := Resolve([]string{"K=STRIPE_LIVE", "STRIPE_LIVE"}, lookup, environ); err != nil || got["K"] != live {
		t.Errorf("a set variable named: %v, %v", got, err)
	}
}

func TestDiff(t *testing.T) {
	current := map[string]string{"SAME": "1", "OLD": "a", "GONE": "x", "KEEP": "k"}
	wanted := map[string]string{"SAME": "1", "OLD": "b", "NEW": "n"}
	p, err := Diff(current, wanted, []string{"GONE", "ABSENT", "GONE"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{{"ABSENT", Unchanged}, {"GONE", Removed}, {"NEW", Added}, {"OLD", Changed}, {"SAME", Unchanged}}
	if len(p.Changes) != len(want) {
		t.Fatalf("changes %v, want %v", p.Changes, want)
	}
	for i := range want {
		if p.Changes[i] != want[i] {
			t.Errorf("change %d: %v, want %v", i, p.Changes[i], want[i])
		}
	}
	patch := p.Patch()
	if len(patch) != 3 || *patch["OLD"] != "b" || *patch["NEW"] != "n" || patch["GONE"] != nil {
		t.Errorf("patch %v: want OLD, NEW and GONE (null) only", patch)
	}
	if _, ok := patch["GONE"]; !ok || p.Empty() || p.Count(Unchanged) != 2 {
		t.Errorf("patch %v empty=%v", patch, p.Empty())
	}

	p, _ = Diff(current, map[string]string{"SAME": "1"}, []string{"ABSENT"})
	if !p.Empty() || p.Patch() != nil {
		t.Errorf("nothing differs, yet the patch is %v", p.Patch())
	}
	if _, err := Diff(current, wanted, []string{"NEW"}); err == nil {
		t.Error("a name both set and unset: no error")
	}
	if _, err := Diff(current, nil, []string{"not ok"}); err == nil {
		t.Error("an invalid --unset name: no error")
	}
}

// TestLive: after a change whose answer was lost, the config read back
// says which names it shows changed; unchanged names are not counted.
func TestLive(t *testing.T) {
	plan, err := Diff(map[string]string{"A": "1", "B": "2", "C": "3"}, map[string]string{"A": "1", "B": "new", "D": "4"}, []string{"C"})
	if err != nil {
		t.Fatal(err)
	}
	live, before := plan.Live(map[string]string{"A": "1", "B": "new", "D": "4"})
	if strings.Join(live, ",") != "B,C,D" || len(before) != 0 {
		t.Errorf("all applied: live %v, before %v", live, before)
	}
	live, before = plan.Live(map[string]string{"A": "1", "B": "2", "C": "3"})
	if len(live) != 0 || strings.Join(before, ",") != "B,C,D" {
		t.Errorf("none applied: live %v, before %v", live, before)
	}
}

// TestUnmet: the config a change left is checked against the whole ask,
// not against the plan, which a read that was not the app's config ({})
// made too small.
func TestUnmet(t *testing.T) {
	wanted, unset := map[string]string{"A": "1", "B": "2"}, []string{"C"}
	for _, c := range []struct {
		after map[string]string
		want  string
	}{
		{map[string]string{"A": "1", "B": "2", "D": "x"}, ""},
		{map[string]string{"A": "1", "B": "2", "C": "3"}, "C"},     // C was not seen, so not removed
		{map[string]string{"A": "1", "B": "old", "C": "3"}, "B,C"}, // B not as asked
		{map[string]string{}, "A,B"},
	} {
		if got := strings.Join(Unmet(c.after, wanted, unset), ","); got != c.want {
			t.Errorf("Unmet(%v) = %q, want %q", c.after, got, c.want)
		}
	}
}
