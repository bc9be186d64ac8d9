package classify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/dryrun"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/health"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/maintenance"
	"gitlab.com/heroku-deploy/heroku/internal/oneoff"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/review"
)

// TestOf: the one mapper, for the errors today's commands end with; the
// hints take the command's context (the app, the key's variable, the URL).
func TestOf(t *testing.T) {
	c := Context{App: "my-app", KeyVar: "HEROKU_PROD_KEY", APIURL: "http://127.0.0.1:5000"}
	dry := c
	dry.DryRun = true
	refused := &herokuapi.Error{Method: "GET", Path: "/apps/my-app", Status: 403, ID: "forbidden"}
	scoped := func(have, accepted string) *herokuapi.Error {
		return &herokuapi.Error{Method: "GET", Path: "/apps/my-app/releases", Status: 403, ID: "forbidden", Scope: have, Accepted: accepted}
	}
	outage := &herokuapi.Error{Method: "GET", Path: "/apps/my-app", Status: 503}
	stopped := &follow.Stopped{Err: errors.New("timed out"), During: "build b1"}
	signalled, cancel := context.WithCancelCause(context.Background())
	cancel(&outcome.Signal{Name: "SIGTERM"})
	// kong hands Run's error back wrapped in an error of several causes:
	// what is inside must still be found.
	joined := func(err error) error { return errors.Join(err, errors.New("more")) }
	for _, tc := range []struct {
		name  string
		ctx   context.Context
		err   error
		c     Context
		kind  outcome.Kind
		hints string // all hints, joined by " | "; checked by containment
	}{
		{"401", nil, &herokuapi.Error{Status: 401, ID: "unauthorized"}, c, outcome.Denied, "Heroku rejected the key in HEROKU_PROD_KEY. A Dashboard API key dies when its account's password or 2FA settings change (it is regenerated); a 'heroku auth:token' after a year, or 8 hours with SSO; a 'heroku authorizations:create' key when it is revoked or its expires_in passes | put a long-lived authorization in HEROKU_PROD_KEY instead"},
		{"403 of a scope", nil, fmt.Errorf("read: %w", scoped("write", "global read-protected write-protected")), c, outcome.Denied,
			`the key in HEROKU_PROD_KEY has OAuth scope "write"; this call accepts "global read-protected write-protected" | make a key that adds read-protected, 'heroku authorizations:create --scope write,read-protected --description "GitLab CI"', and store it in HEROKU_PROD_KEY; docs/keys.md`},
		{"403 of a scope, another call", nil, scoped("read", "global write write-protected"), c, outcome.Denied, "--scope write "},
		{"403 of a scope, the command's", nil, scoped("write", "global read-protected write-protected"), Context{KeyVar: "K", Scope: "write-protected"}, outcome.Denied,
			`this command needs write-protected: make a key that has it, 'heroku authorizations:create --scope write-protected --description "GitLab CI"', and store it in K`},
		{"403 of a scope, the command's several", nil, scoped("read", "global write write-protected"), Context{KeyVar: "K", Scope: "write,read-protected"}, outcome.Denied,
			"this command needs write,read-protected: make a key that has it, 'heroku authorizations:create --scope write,read-protected "},
		{"403 of a scope, identity", nil, scoped("identity", "global read read-protected write write-protected"), c, outcome.Denied, "--scope read "},
		{"403 of a scope, unknown scopes", nil, scoped("write", "global2"), c, outcome.Denied, "one of those scopes"},
		{"403 not of its scope", nil, scoped("global", "global write write-protected"), c, outcome.Denied, `has OAuth scope "global"; this call accepts "global write write-protected": the refusal is not about its scope | the key in HEROKU_PROD_KEY has no access to app my-app`},
		{"403 without headers", nil, refused, c, outcome.Denied, "the key in HEROKU_PROD_KEY has no access to app my-app"},
		{"403 about another app", nil, &outcome.AppError{App: "other-app", Err: refused}, c, outcome.Denied, "has no access to app other-app"},
		// What a 403 or a 404 was about, from its request: a collaborator
		// can deploy but not delete; not every 404 is the app's.
		{"403 of a deletion", nil, &herokuapi.Error{Method: "DELETE", Path: "/apps/my-app", Status: 403, ID: "forbidden"}, c, outcome.Denied, "may not delete app my-app: only its owner can"},
		{"403 of a creation", nil, &herokuapi.Error{Method: "POST", Path: "/teams/apps", Status: 403, ID: "forbidden"}, c, outcome.Denied, "may not create the app there"},
		{"403 of a change", nil, &herokuapi.Error{Method: "PATCH", Path: "/apps/my-app/formation", Status: 403, ID: "forbidden"}, c, outcome.Denied, "may not make this change to app my-app"},
		{"404 of a pipeline", nil, &herokuapi.Error{Method: "GET", Path: "/pipelines/nosuch", Status: 404, ID: "not_found"}, c, outcome.Denied, `check the pipeline name "nosuch" (--pipeline)`},
		{"404 of a team", nil, &herokuapi.Error{Method: "POST", Path: "/teams/apps", Status: 404, ID: "not_found"}, c, outcome.Denied, "check the team name (--team)"},
		{"an outage", nil, fmt.Errorf("look up app: %w", outage), c, outcome.Unknown, "http://127.0.0.1:5000 did not answer after retries"},
		{"input refused, wrapped", nil, fmt.Errorf("checking: %w", outcome.Input("bad", "do this")), c, outcome.BadInput, "do this"},
		{"a note", nil, outcome.Note(refused, "nothing was deleted"), c, outcome.Denied, "nothing was deleted | the key in HEROKU_PROD_KEY"},
		{"a note on a stop", signalled, outcome.Note(errors.New("cancelled"), "nothing was deleted"), c, outcome.Stopped, ""},
		{"a timeout", nil, stopped, c, outcome.Unknown, "raise --timeout"},
		{"maintenance left on, wrapped", nil, joined(&maintenance.StillOnError{App: "my-app", Err: outage}), c, outcome.MaintenanceOn,
			"did not answer after retries (HEROKU_API_URL overrides https://api.heroku.com) | turn it off by hand: heroku-deploy maintenance off --app my-app"},
		{"a health check", nil, &health.CheckFailed{App: "my-app", Failed: follow.Failed{Msg: "health check failed"}}, c, outcome.Failed, "https://dashboard.heroku.com/apps/my-app/logs"},
		{"a build", nil, &follow.Failed{Msg: "build b1 failed"}, c, outcome.Failed, "the Heroku output above says why"},
		{"a name taken", nil, &review.TakenError{App: "shop-mr-1", Err: refused}, c, outcome.Denied, "give the account of the key in HEROKU_PROD_KEY access"},
		{"anything else", nil, errors.New("disk on fire"), c, outcome.Failed, ""},
		// Dry runs (issue 23, point 6): a refusal found by the reads keeps
		// its code and says it was a dry run; a change a dry run tried is a
		// bug, exit 4, whatever it is wrapped in.
		{"a dry run: a safety check", nil, &review.UnsafeError{App: "shop", Reason: "production"}, dry, outcome.Unsafe,
			"this was a dry run (--dry-run): nothing was changed; the real run stops at the same check"},
		{"a dry run: an outage", nil, outage, dry, outcome.Unknown, "https://api.heroku.com) | this was a dry run (--dry-run): nothing was changed"},
		{"a dry run's refusal", nil, outcome.Note(fmt.Errorf("create build: %w", &dryrun.Refused{Method: "POST", URL: "https://api.heroku.com/apps/my-app/builds"}), "nothing was deleted"), dry, outcome.Unknown,
			"nothing was changed: a dry run sends no request that could change anything | please report this bug"},
		// run's own codes.
		{"run: a timeout", nil, stopped, Context{Run: true}, outcome.RunTimedOut, "if the command needs longer"},
		{"run: no status", nil, &oneoff.NoStatusError{Dyno: "run.1"}, Context{Run: true}, outcome.RunNoStatus, ""},
		{"run: refused", nil, &herokuapi.Error{Status: 401}, Context{Run: true, KeyVar: "K"}, outcome.RunBroken, "the key in K"},
		{"run: input", nil, outcome.Input("no command"), Context{Run: true}, outcome.RunBroken, ""},
		{"run: a signal", signalled, errors.New("cancelled"), Context{Run: true}, outcome.Stopped, ""},
	} {
		ctx := tc.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		o := Of(ctx, tc.err, tc.c)
		if o.Kind != tc.kind || o.Error() != tc.err.Error() {
			t.Errorf("%s: kind %d %q, want %d %q", tc.name, o.Kind, o.Error(), tc.kind, tc.err.Error())
		}
		if hints := strings.Join(o.Hints, " | "); !strings.Contains(hints, tc.hints) || (tc.hints == "" && hints != "") {
			t.Errorf("%s: hints %q, want %q", tc.name, hints, tc.hints)
		}
	}
	st := Of(context.Background(), &outcome.Error{Kind: outcome.RunStatus, Status: 3, Err: errors.New("status 3")}, Context{Run: true})
	if st.ExitCode() != 3 {
		t.Errorf("run: the command's status 3 became %d", st.ExitCode())
	}
	if Of(context.Background(), nil, c) != nil {
		t.Error("nil is an outcome")
	}
}

// TestAppName: a name herokuapi.CheckAppName refuses is input refused, in
// the words the command line always used, whatever wraps it.
func TestAppName(t *testing.T) {
	for _, tc := range []struct{ name, msg, hint string }{
		{"", "the app name is empty", "a variable that gives it (HEROKU_DEPLOY_APP, or the one the component's app input names) is unset or empty"},
		{"$REVIEW_APP", `app name "$REVIEW_APP" is a variable's name, not an app's: REVIEW_APP was not expanded`,
			"define the CI/CD variable REVIEW_APP (Settings > CI/CD > Variables; not masked, so that the component can name its job after it), or write the app's name"},
		{"${APP}", `app name "${APP}" is a variable's name, not an app's: APP was not expanded`, "define the CI/CD variable APP "},
		{"My_App", `invalid app name "My_App"`,
			"Heroku app names are 3 to 30 characters: a lowercase letter, then lowercase letters, digits or dashes, not ending in a dash"},
		{"$", `invalid app name "$"`, "Heroku app names are 3 to 30 characters"},
	} {
		err := herokuapi.CheckAppName(tc.name)
		if err == nil {
			t.Fatalf("CheckAppName(%q) = nil", tc.name)
		}
		for _, err := range []error{err, fmt.Errorf("checking: %w", err)} {
			o := Of(context.Background(), err, Context{App: "my-app"})
			if o.Kind != outcome.BadInput || o.Error() != tc.msg || len(o.Hints) != 1 || !strings.HasPrefix(o.Hints[0], tc.hint) {
				t.Errorf("%q: got %v %q %q, want input refused %q, %q", tc.name, o.Kind, o.Error(), o.Hints, tc.msg, tc.hint)
			}
		}
	}
}
