package dpl

import "testing"

// TestStepsLookup: the key reaches the plan's commands under KeyVar only
// when no variable of the job holds it; otherwise the job's own
// environment is read as it is.
func TestStepsLookup(t *testing.T) {
	job := func(name string) (string, bool) {
		if name == "HEROKU_PRODUCTION_KEY" {
			return "from-the-job", true
		}
		return "", false
	}
	own := Steps{KeyVar: KeyVar}.Lookup(job, "from-the-command-line")
	if v, ok := own(KeyVar); !ok || v != "from-the-command-line" {
		t.Errorf("a key in no variable: %s = %q, %v", KeyVar, v, ok)
	}
	if v, _ := own("HEROKU_PRODUCTION_KEY"); v != "from-the-job" {
		t.Errorf("the job's variables read through: %q", v)
	}
	held := Steps{KeyVar: "HEROKU_PRODUCTION_KEY"}.Lookup(job, "from-the-command-line")
	if _, ok := held(KeyVar); ok {
		t.Errorf("a key a variable holds is also set under %s", KeyVar)
	}
}
