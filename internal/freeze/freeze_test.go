package freeze

import (
	"errors"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// TestCheck: set and not empty is a freeze (exit 5, the switch named);
// unset or empty is none.
func TestCheck(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == Variable {
				return v
			}
			return ""
		}
	}
	for _, v := range []string{"", "false"} {
		err := Check(env(v), "X_IGNORE")
		if (v == "") != (err == nil) {
			t.Errorf("%s=%q: %v", Variable, v, err)
		}
	}
	err := Check(env("true"), "X_IGNORE")
	var oe *outcome.Error
	if !errors.As(err, &oe) || oe.Kind != outcome.Unsafe || !strings.Contains(strings.Join(oe.Hints, " "), "X_IGNORE=true") {
		t.Errorf("a freeze: %#v, want an Unsafe outcome naming X_IGNORE", err)
	}
}
