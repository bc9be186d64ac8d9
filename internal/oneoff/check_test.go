package oneoff

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// TestAskCheck: run's command, size and timeout, before any request.
func TestAskCheck(t *testing.T) {
	cfg, err := Ask{App: "my-app", Args: []string{"echo", "hi"}, Size: "standard-1X", Timeout: 30 * time.Minute}.Check()
	if err != nil || !slices.Equal(cfg.Args, []string{"echo", "hi"}) || cfg.Size != "standard-1X" || cfg.App != "my-app" || cfg.TimeToLive != 31*60 {
		t.Errorf("args: %+v, %v", cfg, err)
	}
	if cfg, err := (Ask{Command: "echo hi | wc -c", Timeout: time.Minute}).Check(); err != nil || !slices.Equal(cfg.Args, []string{"echo hi | wc -c"}) {
		t.Errorf("--command: %+v, %v", cfg, err)
	}
	for _, tc := range []struct {
		ask Ask
		msg string
	}{
		{Ask{Command: "a", Args: []string{"b"}}, "the command is given twice: as --command (or HEROKU_DEPLOY_COMMAND) and after --"},
		{Ask{}, "no command to run"},
		{Ask{Args: []string{""}}, "no command to run"},
		{Ask{Args: []string{"a"}, Size: "standard 1X"}, `--size "standard 1X" is not a dyno size`},
		{Ask{Args: []string{"a"}, Timeout: 24 * time.Hour}, "--timeout 24h0m0s is too long: a one-off dyno lives at most 23h59m0s"},
	} {
		_, err := tc.ask.Check()
		var oe *outcome.Error
		if !errors.As(err, &oe) || oe.Kind != outcome.BadInput || !strings.HasPrefix(err.Error(), tc.msg) {
			t.Errorf("%+v: got %v, want input refused %q", tc.ask, err, tc.msg)
		}
	}
}
