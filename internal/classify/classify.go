// Package classify turns any error a command ends with into its outcome:
// the one function that does (Of). Workflow packages return their own
// typed errors, or outcome errors where they know the outcome; the hints
// that need the command's context (the key's variable, the app, the API
// URL) come from the Context the command line gives.
package classify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/archive"
	"gitlab.com/heroku-deploy/heroku/internal/credential"
	"gitlab.com/heroku-deploy/heroku/internal/dryrun"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/formation"
	"gitlab.com/heroku-deploy/heroku/internal/health"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/maintenance"
	"gitlab.com/heroku-deploy/heroku/internal/oneoff"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/promote"
	"gitlab.com/heroku-deploy/heroku/internal/release"
	"gitlab.com/heroku-deploy/heroku/internal/review"
)

// Context is what the hints need to know of the command.
type Context struct {
	App    string // the app the command works on; "" for none
	KeyVar string // the variable that holds the key
	APIURL string // the Platform API's URL the client used; "" before one
	// Run: the command is run, whose own outcomes have codes of their own
	// (124-126) and whose command's status passes through.
	Run bool
	// Scope is the narrowest OAuth scope the command needs for what it was
	// asked ("write-protected", "write,read-protected"; docs/keys.md), ""
	// when unknown: a scope 403's hint names it.
	Scope string
	// DryRun: the command ran as a dry run (--dry-run), which changed
	// nothing; the outcome says so.
	DryRun bool
}

// Of is err's outcome (nil for nil).
func Of(ctx context.Context, err error, c Context) *outcome.Error {
	if err == nil {
		return nil
	}
	if c.APIURL == "" {
		c.APIURL = herokuapi.DefaultURL
	}
	o := of(ctx, err, c)
	if c.Run {
		return forRun(err, o)
	}
	if c.DryRun && !dryrun.IsRefused(err) {
		o = dryRun(o)
	}
	return o
}

// dryRun is a dry run's outcome: the same code, which a refusal found by
// the reads (2, 3, 5) shares with the real run, and a hint that says it
// was a dry run.
func dryRun(o *outcome.Error) *outcome.Error {
	hint := "this was a dry run (--dry-run): nothing was changed"
	switch o.Kind {
	case outcome.BadInput, outcome.Denied, outcome.Unsafe:
		hint += "; the real run stops at the same check"
	}
	return &outcome.Error{Kind: o.Kind, Err: o.Err, Hints: append(slices.Clone(o.Hints), hint), Status: o.Status}
}

// forRun is run's outcome: the command's status as it is, 126 for a
// missing status, 124 for a timeout, 130 for a signal, and 125 for every
// failure of heroku-deploy itself (what the general table numbers 1 to 4),
// with the message and hints of the general outcome.
func forRun(err error, o *outcome.Error) *outcome.Error {
	var ns *oneoff.NoStatusError
	switch {
	case o.Kind == outcome.RunStatus || o.Kind == outcome.Stopped:
		return o
	case errors.As(err, &ns):
		return outcome.New(outcome.RunNoStatus, err)
	case o.Kind == outcome.Unknown && follow.IsStopped(err):
		return outcome.New(outcome.RunTimedOut, o.Err, "raise --timeout (the component's timeout input) if the command needs longer")
	}
	return outcome.New(outcome.RunBroken, o.Err, o.Hints...)
}

func of(ctx context.Context, err error, c Context) *outcome.Error {
	var (
		oe     *outcome.Error
		noted  *outcome.Noted
		onApp  *outcome.AppError
		sig    *outcome.Signal
		ie     *archive.InputError
		te     *archive.TempError
		fe     *follow.Failed
		hf     *health.CheckFailed
		fu     *follow.Unknown
		he     *herokuapi.Error
		name   *herokuapi.AppNameError
		ue     *maintenance.UnconfirmedError
		still  *maintenance.StillOnError
		me     *formation.MismatchError
		pe     *promote.ProvenanceError
		rb     *promote.RolledBackError
		inel   *release.Ineligible
		nr     *release.NoSuchRelease
		taken  *review.TakenError
		setup  *review.SetupError
		unsafe *review.UnsafeError
		mrs    *review.OpenMRsError
	)
	if errors.As(err, &onApp) {
		c.App = onApp.App
	}
	as := func(kind outcome.Kind, hints ...string) *outcome.Error { return outcome.New(kind, err, hints...) }
	keyVar, app := c.KeyVar, c.App
	var refused *dryrun.Refused
	switch {
	case errors.As(err, &refused):
		// A change point a workflow missed, refused before it was sent:
		// a bug, which outranks whatever the workflow made of it.
		return as(outcome.Unknown,
			"nothing was changed: a dry run sends no request that could change anything",
			"please report this bug with the job log: "+issuesURL)
	case errors.As(err, &still):
		// It outranks what went wrong before, and keeps the hints of why
		// turning it off failed.
		inner := of(ctx, still.Err, c)
		return as(outcome.MaintenanceOn, append(inner.Hints, OffByHand(still.App))...)
	case errors.As(err, &noted):
		o := of(ctx, noted.Err, c)
		o.Err = err
		if o.Kind != outcome.Stopped {
			o.Hints = append(slices.Clone(noted.Hints), o.Hints...)
		}
		return o
	case errors.As(err, &oe):
		if oe.Err != err { // wrapped: the message is the whole chain's
			return &outcome.Error{Kind: oe.Kind, Err: err, Hints: oe.Hints, Status: oe.Status}
		}
		return oe
	// What a workflow refused or found, before what stopped it.
	case errors.As(err, &name):
		return appName(name)
	case errors.As(err, &pe):
		return as(outcome.Unsafe,
			fmt.Sprintf("a promotion ships what its pipeline tested: deploy %s to %s first (or wait for that deploy), or promote from the pipeline of the commit %[2]s runs", short(pe.Want), pe.App),
			"--any-commit promotes whatever the source runs, unchecked")
	case errors.As(err, &rb):
		return as(outcome.Unsafe,
			fmt.Sprintf("a commit rolled back on %s is not promoted: promote a commit deployed there since (its pipeline's promote job)", rb.App),
			"--any-commit promotes whatever the source runs, unchecked")
	case errors.As(err, &inel):
		return as(outcome.Unsafe, pickHints(app, inel.Candidates)...)
	case errors.As(err, &nr):
		return as(outcome.BadInput, pickHints(app, nil)...)
	case errors.As(err, &unsafe):
		return as(outcome.Unsafe)
	case errors.As(err, &taken):
		return as(outcome.Denied,
			"Heroku app names are global: choose another --name prefix (the component's name input), or pass --app",
			fmt.Sprintf("if the app is your team's, give the account of the key in %s access to it", keyVar))
	case errors.As(err, &setup) && len(setup.ManifestErrors) > 0:
		return as(outcome.Failed, "fix app.json in --dir (the dir input), or give a required config var with --config-var or --config-from (the config_vars and config_from inputs)")
	case errors.As(err, &mrs):
		return openMRs(err, mrs)
	case errors.As(err, &me):
		return as(outcome.Unknown, "read it again with heroku-deploy scale --app "+app+" before scaling again")
	case errors.As(context.Cause(ctx), &sig) || errors.As(err, &sig):
		return as(outcome.Stopped)
	case follow.IsStopped(err):
		return as(outcome.Unknown, "raise --timeout (the component's timeout input) if this work takes longer (a slow build, a large image); the error says what it was waiting for")
	}
	if o, ok := images(err, c); ok {
		return o
	}
	switch {
	case errors.As(err, &ie):
		return as(outcome.BadInput)
	case errors.As(err, &te):
		return as(outcome.BadInput, fmt.Sprintf("the archive is written to TMPDIR (%s) before the upload: point TMPDIR at a writable directory with room for it", te.Dir))
	case errors.As(err, &fu):
		where := app
		if fu.App != "" {
			where = fu.App
		}
		return as(outcome.Unknown, fmt.Sprintf("what happened is unknown: look at https://dashboard.heroku.com/apps/%s/activity before acting again", where))
	case errors.As(err, &hf):
		// No Heroku output explains it: the app's answers and logs do.
		return as(outcome.Failed, fmt.Sprintf("the health check lines above show what the app answered; its logs say why: https://dashboard.heroku.com/apps/%s/logs", hf.App))
	case errors.As(err, &fe):
		return as(outcome.Failed, "the Heroku output above says why")
	case errors.As(err, &he) && he.Unknown && he.Status != 429 && he.Status < 500:
		// A 503 page is an outage whatever its body: the hint below.
		return as(outcome.Unknown,
			"nothing was decided on that answer: it is not Heroku's well-formed JSON, so what it says is unknown",
			fmt.Sprintf("something other than the Platform API may have answered at %s (a proxy's or a router's page): check HEROKU_API_URL and any proxy between the runner and Heroku, then run the job again", c.APIURL))
	case herokuapi.StatusOf(err) == 401:
		return as(outcome.Denied, Unauthorized(keyVar)...)
	case errors.As(err, &he) && he.ID == "two_factor":
		return as(outcome.Denied, fmt.Sprintf("Heroku asks for a second factor, which a CI job cannot give: the key in %s must come from 'heroku authorizations:create' (a long-lived authorization), not a user's session token", keyVar))
	case herokuapi.StatusOf(err) == 403 && errors.As(err, &he):
		return as(outcome.Denied, forbidden(he, c)...)
	case herokuapi.StatusOf(err) == 404:
		return as(outcome.Denied, notFound(err, app, keyVar))
	case errors.As(err, &he) && he.ID == "redirect":
		return as(outcome.Unknown, fmt.Sprintf("something other than the Platform API answered at %s: check HEROKU_API_URL and any proxy between the runner and Heroku", c.APIURL))
	case herokuapi.Unavailable(err):
		hint := "Heroku did not answer after retries; see https://status.heroku.com"
		if c.APIURL != herokuapi.DefaultURL {
			hint = fmt.Sprintf("%s did not answer after retries (HEROKU_API_URL overrides %s)", c.APIURL, herokuapi.DefaultURL)
		}
		return as(outcome.Unknown, hint)
	case errors.As(err, &ue):
		return as(outcome.Unknown, fmt.Sprintf("see the app's maintenance mode in the Heroku dashboard, or set it with heroku-deploy maintenance on|off --app %s", app))
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		// --timeout ended the command where nothing else says so (turning
		// maintenance mode on): exit 4, as every timeout.
		return as(outcome.Unknown, "raise --timeout (the component's timeout input)")
	}
	return as(outcome.Failed)
}

// appName is a name Heroku's app name rule refuses (*herokuapi.AppNameError):
// empty, a variable's name CI did not expand, or not a name.
func appName(e *herokuapi.AppNameError) *outcome.Error {
	if e.Name == "" {
		return outcome.Input(e.Error(), "a variable that gives it (HEROKU_DEPLOY_APP, or the one the component's app input names) is unset or empty")
	}
	if ref := credential.VarRef(e.Name); ref != e.Name {
		return outcome.Input(fmt.Sprintf("app name %q is a variable's name, not an app's: %s was not expanded", e.Name, ref),
			fmt.Sprintf("define the CI/CD variable %s (Settings > CI/CD > Variables; not masked, so that the component can name its job after it), or write the app's name", ref))
	}
	return outcome.Input(e.Error(),
		"Heroku app names are 3 to 30 characters: a lowercase letter, then lowercase letters, digits or dashes, not ending in a dash")
}

// openMRs is a failed list of the open merge requests: refused (a 4xx but
// 429, with GitLab's error JSON) is exit 3, anything else exit 4. Nothing
// is deleted either way.
func openMRs(err error, e *review.OpenMRsError) *outcome.Error {
	hints := []string{"nothing was deleted: the open merge requests could not be read"}
	if !e.Refused() {
		return outcome.New(outcome.Unknown, err, hints...)
	}
	if e.TokenVar == "" {
		hints = append(hints, "this GitLab may not let CI_JOB_TOKEN list merge requests (GitLab 18 added it; see docs/review.md): set gitlab_token_variable (--gitlab-token-var) to a project access token with read_api")
	} else {
		hints = append(hints, fmt.Sprintf("the token in %s needs the read_api scope and at least the Reporter role in project %s", e.TokenVar, e.Project))
	}
	return outcome.New(outcome.Denied, err, hints...)
}

// OffByHand is the hint for an app left in maintenance mode.
func OffByHand(app string) string {
	return "turn it off by hand: heroku-deploy maintenance off --app " + app + ", or in the Heroku dashboard"
}

// pickHints point at the releases that can still be rolled back to: those
// the tool found, and the app's activity page, which lists every release.
func pickHints(app string, candidates []herokuapi.Release) []string {
	var hints []string
	if len(candidates) > 0 {
		hints = append(hints, "pick one with --to"+release.Listing(candidates))
	}
	return append(hints, fmt.Sprintf("every release of %s is on https://dashboard.heroku.com/apps/%s/activity; a redeploy of a commit builds it again", app, app))
}

// Unauthorized is the hint of a key Heroku rejected (401): how each of
// the three kinds of key dies, and the one to use instead
// (../shared/reference §4: help.heroku.com/PBGP6IDE; heroku/cli
// auth/token.ts; the oauth-authorization schema).
func Unauthorized(keyVar string) []string {
	return []string{
		fmt.Sprintf("Heroku rejected the key in %s. A Dashboard API key dies when its account's password or 2FA settings change (it is regenerated); a 'heroku auth:token' after a year, or 8 hours with SSO; a 'heroku authorizations:create' key when it is revoked or its expires_in passes", keyVar),
		fmt.Sprintf("put a long-lived authorization in %s instead: 'heroku authorizations:create --description \"GitLab CI\"', ideally of a non-SSO bot account (an SSO account's expire)", keyVar),
	}
}

// forbidden is the hint of a 403: with both scope headers, the key's
// scopes and the call's; when the scope is the cause, the key to make
// (herokuapi.ScopeFix: the command's scope added to the key's when the
// call accepts it, else the call's narrowest); otherwise the app's access.
func forbidden(he *herokuapi.Error, c Context) []string {
	access := accessHint(he, c)
	if he.Scope == "" || he.Accepted == "" {
		return []string{access}
	}
	scopes := fmt.Sprintf("the key in %s has OAuth scope %q; this call accepts %q", c.KeyVar, he.Scope, he.Accepted)
	if herokuapi.ScopeRefused(he) == nil {
		return []string{scopes + ": the refusal is not about its scope", access}
	}
	add, list := herokuapi.ScopeFix(he.Scope, he.Accepted, c.Scope)
	const table = "docs/keys.md lists the scope each command needs"
	switch {
	case add == "":
		return []string{scopes, fmt.Sprintf("store a key with one of those scopes in %s ('heroku authorizations:create --scope SCOPE'); %s", c.KeyVar, table)}
	case add == strings.Join(herokuapi.Scopes(c.Scope), ","):
		return []string{scopes, fmt.Sprintf("this command needs %s: make a key that has it, 'heroku authorizations:create --scope %s --description \"GitLab CI\"', and store it in %s; %s", add, list, c.KeyVar, table)}
	}
	return []string{scopes, fmt.Sprintf("make a key that adds %s, 'heroku authorizations:create --scope %s --description \"GitLab CI\"', and store it in %s; %s", add, list, c.KeyVar, table)}
}

// pathResource is the resource a request's path names: its collection
// ("apps", "pipelines", "teams", "spaces"…) and the name or id after it.
func pathResource(path string) (kind, name string) {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) > 1 {
		name = parts[1]
	}
	return parts[0], name
}

// notFound is a 404's hint, for what the request named: not every 404 is
// the app's (a --pipeline, a --team or a --space that is not there).
func notFound(err error, app, keyVar string) string {
	var he *herokuapi.Error
	if errors.As(err, &he) {
		switch kind, name := pathResource(he.Path); kind {
		case "pipelines":
			return fmt.Sprintf("check the pipeline name %q (--pipeline) and that the key in %s belongs to an account that can see it (its owner, or a member of the team that owns it)", name, keyVar)
		case "teams":
			return fmt.Sprintf("check the team name (--team) and that the key in %s belongs to one of its members", keyVar)
		case "spaces":
			return fmt.Sprintf("check the space name %q (--space) and that the key in %s belongs to a member of its team", name, keyVar)
		}
	}
	return fmt.Sprintf("check the app name %q and that the key in %s belongs to an account that can see it", app, keyVar)
}

// accessHint is a 403's hint about the key's account, by what the request
// did: on Heroku a collaborator can read and deploy an app but not delete
// it (only its owner, or on a team app the manage permission), and creating
// an app in a team takes a role that may (devcenter: collaborating,
// app-permissions, team-permissions).
func accessHint(he *herokuapi.Error, c Context) string {
	kind, _ := pathResource(he.Path)
	app := c.App // the command's, or the one an *outcome.AppError names
	switch {
	case he.Method == http.MethodPost && (he.Path == "/apps" || he.Path == "/teams/apps" || he.Path == "/app-setups"):
		return fmt.Sprintf("the key in %s may not create the app there: in a team, its account needs a role that creates apps (admin or collaborator)", c.KeyVar)
	case kind == "pipelines" || kind == "pipeline-couplings" || kind == "pipeline-promotions":
		return fmt.Sprintf("the key in %s has no access to that pipeline: its account must own it or be a member of the team that does", c.KeyVar)
	case he.Method == http.MethodDelete && kind == "apps" && strings.Count(he.Path, "/") == 2:
		return fmt.Sprintf("the key in %s may not delete app %s: only its owner can, or on a team app an account with the manage permission", c.KeyVar, app)
	case he.Method == http.MethodGet || he.Method == http.MethodHead:
		return fmt.Sprintf("the key in %s has no access to app %s: add its account as a collaborator", c.KeyVar, app)
	}
	return fmt.Sprintf("the key in %s may not make this change to app %s: add its account as a collaborator; on a team app with app permissions it needs the one the change takes (deploy, operate or manage)", c.KeyVar, app)
}

func short(sha string) string { return sha[:min(8, len(sha))] }
