package freeze

import (
	"errors"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// TestCheck: set and not empty is a freeze (exit 5, the way out named:
// the flag and the variable, or the variable alone); unset or empty is
// none; the variable that ignores it acts as the flag does.
func TestCheck(t *testing.T) {
	for _, v := range []string{"", "false"} {
		err := Check(env(map[string]string{Variable: v}), "X_IGNORE", "--ignore-freeze")
		if (v == "") != (err == nil) {
			t.Errorf("%s=%q: %v", Variable, v, err)
		}
	}
	for _, c := range []struct{ flag, want string }{
		{"--ignore-freeze", "pass --ignore-freeze: for a component's job, run it with the variable X_IGNORE=true"},
		{"", "to act anyway, set the variable X_IGNORE=true for the job"},
	} {
		err := Check(env(map[string]string{Variable: "true"}), "X_IGNORE", c.flag)
		var oe *outcome.Error
		if !errors.As(err, &oe) || oe.Kind != outcome.Unsafe || !strings.Contains(strings.Join(oe.Hints, " | "), c.want) {
			t.Errorf("a freeze, flag %q: %#v, want an Unsafe outcome saying %q", c.flag, err, c.want)
		}
	}
	if err := Check(env(map[string]string{Variable: "true", "X_IGNORE": "yes"}), "X_IGNORE", ""); err != nil {
		t.Errorf("ignored: %v", err)
	}
	err := Check(env(map[string]string{Variable: "true", "X_IGNORE": "maybe"}), "X_IGNORE", "")
	var oe *outcome.Error
	if !errors.As(err, &oe) || oe.Kind != outcome.BadInput {
		t.Errorf("an ignore switch that is not one: %v, want bad input", err)
	}
}
