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
	got, err := Resolve([]string{"STRIPE_KEY", "DATABASE_URL=CI_DB", "DATABASE_URL=CI_DB"}, lookup)
	if err != nil || !maps.Equal(got, map[string]string{"STRIPE_KEY": "sk-1", "DATABASE_URL": "postgres://x"}) {
		t.Fatalf("Resolve = %v, %v", got, err)
	}
	for spec, want := range map[string]string{
		"NOPE":                  "NOPE: CI/CD variable NOPE is not set",
		"X=EMPTY":               "X: CI/CD variable EMPTY is empty",
		"BAD-NAME=STRIPE_KEY":   `"BAD-NAME" is not a config var name`,
		"X=sk-live-abcdefghijk": `X: "sk-l…" is not a CI/CD variable name`,
		"X=":                    `X: "" is not a CI/CD variable name`,
	} {
		_, err := Resolve([]string{spec}, lookup)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Resolve(%q) = %v, want %q", spec, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "sk-1") {
			t.Errorf("Resolve(%q): the error holds a value: %v", spec, err)
		}
	}
	var me *MissingError
	if _, err := Resolve([]string{"X=EMPTY"}, lookup); !errors.As(err, &me) || !me.Empty {
		t.Errorf("an empty variable: %v, want a *MissingError with Empty", err)
	}
	if _, err := Resolve([]string{"A=STRIPE_KEY", "A=CI_DB"}, lookup); err == nil {
		t.Error("one name from two variables: no error")
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
