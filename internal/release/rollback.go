package release

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/pause"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// Heroku's retention (changelog 3395, 2025-10-01): slugs, OCI images and
// release artifacts older than 30 days and beyond the last 20 releases are
// deleted; their releases turn "expired" and cannot be rolled back to.
// eligible_for_rollback (Platform API v6) says whether one can.

// Ineligible is a release that cannot be rolled back to, found before
// anything was changed.
type Ineligible struct {
	Release *herokuapi.Release
	Msg     string
	// Candidates are releases that can still be rolled back to, newest
	// first (a few), for the hint; nil when none is known.
	Candidates []herokuapi.Release
}

func (e *Ineligible) Error() string { return e.Msg }

// Check says why r cannot be rolled back to, or nil if it can.
func Check(app string, r *herokuapi.Release) error {
	switch {
	case r.Status == "expired":
		return &Ineligible{Release: r, Msg: fmt.Sprintf("release v%d of %s is expired: Heroku deleted its artifacts (releases older than 30 days beyond the last 20 lose them), and rolling back to it is not supported", r.Version, app)}
	case r.Status != "succeeded":
		return &Ineligible{Release: r, Msg: fmt.Sprintf("release v%d of %s is %s: only a release that succeeded can be rolled back to", r.Version, app, r.Status)}
	case !r.EligibleForRollback:
		what := "it is not eligible for rollback"
		if kind, _ := herokuapi.Artifact(r); kind == "" {
			what = "it carries no slug or image (a release made before the first deploy)"
		}
		return &Ineligible{Release: r, Msg: fmt.Sprintf("release v%d of %s cannot be rolled back to: %s", r.Version, app, what)}
	}
	return nil
}

// rollbackRE reads the description Heroku gives the release a rollback
// makes: "Rollback to v46" (Dev Center, "Releases", Listing release
// history: "v49  Rollback to v46"). Heroku keeps it when release phase
// fails: the CLI adds "release command failed" itself, from the status
// (heroku/cli src/commands/releases/index.ts, descriptionWithStatus).
var rollbackRE = regexp.MustCompile(`^Rollback to v([1-9][0-9]{0,8})\b`)

// RolledBackTo returns the version that r, a rollback's release, went
// back to; 0 when r is not a rollback's release.
func RolledBackTo(r *herokuapi.Release) int {
	m := rollbackRE.FindStringSubmatch(r.Description)
	if m == nil {
		return 0
	}
	v, _ := strconv.Atoi(m[1])
	if v >= r.Version {
		return 0 // not a rollback: one goes back to an older release
	}
	return v
}

// MovedAway returns the rollback release in list that moved away from
// version v: one newer than v that went back to a release older than v.
// Whatever its status (pending, failed too: someone meant to leave v),
// such a release is never a default rollback target nor promoted. Nil
// when none did.
func MovedAway(list []herokuapi.Release, v int) *herokuapi.Release {
	for i := range list {
		r := &list[i]
		if to := RolledBackTo(r); to != 0 && to < v && v < r.Version {
			return r
		}
	}
	return nil
}

// Current returns the current release among list, or nil.
func Current(list []herokuapi.Release) *herokuapi.Release {
	for i := range list {
		if list[i].Current {
			return &list[i]
		}
	}
	return nil
}

// Previous returns the newest release older than the current one that can
// be rolled back to, or nil. Unlike the CLI's default (the second eligible
// release of the ten newest), a pending or failed newer release is never
// picked, nor the current one, nor one that a newer rollback moved away
// from (a release between a rollback's target and the rollback): a
// rollback never rolls an app forward to what someone rolled back.
func Previous(list []herokuapi.Release) *herokuapi.Release {
	cur := Current(list)
	var best *herokuapi.Release
	for i := range list {
		r := &list[i]
		if (cur != nil && r.Version >= cur.Version) || Check("", r) != nil || MovedAway(list, r.Version) != nil {
			continue
		}
		if best == nil || r.Version > best.Version {
			best = r
		}
	}
	return best
}

// Candidates returns up to five releases of list older than version below
// that a rollback may go to (eligible, and no newer rollback moved away
// from them), newest first: what a hint offers for --to.
func Candidates(list []herokuapi.Release, below int) []herokuapi.Release {
	var out []herokuapi.Release
	for i := range list { // newest first, as Heroku lists them
		r := &list[i]
		if r.Version < below && !r.Current && Check("", r) == nil && MovedAway(list, r.Version) == nil {
			out = append(out, *r)
		}
		if len(out) == 5 {
			break
		}
	}
	return out
}

// LatestRollback returns the rollback release that is the app's latest
// act: the newest release that is not a failed non-rollback release, when
// it is a rollback's; nil otherwise. A deploy whose release phase failed
// after a rollback changed nothing, so the rollback is still the latest
// act; any other release after it (a deploy, a config change) is newer.
func LatestRollback(list []herokuapi.Release) *herokuapi.Release {
	for i := range list { // newest first
		r := &list[i]
		if RolledBackTo(r) != 0 {
			return r
		}
		if r.Status != "failed" {
			return nil
		}
	}
	return nil
}

// Rollback creates a release from to (Heroku restores its code and config
// vars, not add-ons or data) and follows its release phase. It checks to
// first: an Ineligible target changes nothing. It is RollbackAfter with
// to's version as the newest one known: a health check's rollback goes
// back to the release that was current just before. opts are Follow's.
func Rollback(ctx context.Context, s *session.Session, app string, to *herokuapi.Release, opts ...Option) (*herokuapi.Release, error) {
	return RollbackAfter(ctx, s, app, to, to.Version, opts...)
}

// RollbackAfter is Rollback, newest being the newest release version of
// the app seen before. The POST is never sent twice: after an ambiguous
// answer (a 5xx, an answer that is not a release, a lost connection, a
// stop while it was in flight) it looks for the release it may have made,
// newer than newest and described "Rollback to vN", and follows that one,
// or says that none was made. Once the release is known, an error says
// it was made and what was last read of it; the release is returned with
// it.
func RollbackAfter(ctx context.Context, s *session.Session, app string, to *herokuapi.Release, newest int, opts ...Option) (*herokuapi.Release, error) {
	if err := Check(app, to); err != nil {
		return nil, err
	}
	s.Links.Changed(app)
	rel, err := s.Client.Rollback(ctx, app, to.ID)
	if err == nil && (rel == nil || rel.ID == "" || rel.Version <= 0) {
		err = &follow.Unknown{App: app, Msg: fmt.Sprintf("Heroku's answer to the rollback of %s to v%d names no release (no id or version)", app, to.Version)}
	}
	var unknown *follow.Unknown
	switch {
	case err == nil:
		s.Out.Step("Rolling %s back to v%d: release v%d", app, to.Version, rel.Version)
	case ctx.Err() == nil && !errors.As(err, &unknown) && !herokuapi.Ambiguous(err):
		// A definite refusal (4xx): nothing was made.
		return nil, fmt.Errorf("roll %s back to v%d: %w", app, to.Version, err)
	default:
		if rel, err = afterAmbiguous(ctx, s, app, to, newest, err); rel == nil || err != nil {
			return rel, err
		}
		s.Out.Step("Heroku did make release v%d of %s, the rollback to v%d: following it", rel.Version, app, to.Version)
	}
	s.Links.Describe(app, rel.ID, fmt.Sprintf("rollback to v%d", to.Version))
	s.Links.Release(app, rel.ID, rel.Version, rel.Status)
	got, err := Follow(ctx, s, app, rel.ID, opts...)
	if got != nil {
		return got, err
	}
	// Its first read failed: the release exists all the same.
	what := fmt.Sprintf("release v%d of %s, the rollback to v%d (%s when Heroku made it)", rel.Version, app, to.Version, rel.Status)
	if follow.IsStopped(err) {
		return rel, follow.StoppedAt(ctx, what, stopNote)
	}
	return rel, fmt.Errorf("%s was made, but reading it back failed, so whether it serves is unknown: %w", what, err)
}

// lookupBudget bounds the reads made after a stop to find what a request
// in flight did (GitLab Runner waits a little after SIGTERM, no more).
const lookupBudget = 10 * time.Second

// afterAmbiguous finds the release an ambiguous rollback request made.
// It returns it (nil error) to be followed, or an error that says what is
// known: none was made, or whether one was could not be read; after a
// stop, a *follow.Stopped that says which.
func afterAmbiguous(ctx context.Context, s *session.Session, app string, to *herokuapi.Release, newest int, cause error) (*herokuapi.Release, error) {
	lctx := ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		lctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), lookupBudget)
		defer cancel()
	}
	found, err := Await(lctx, s, app, newest, func(r *herokuapi.Release) bool { return RolledBackTo(r) == to.Version })
	var note string
	switch {
	case err != nil:
		note = fmt.Sprintf("could not read the releases of %s to see whether it made one (%v): a release \"Rollback to v%d\" newer than v%d may exist; see https://dashboard.heroku.com/apps/%s/activity", app, err, to.Version, newest, app)
	case found == nil:
		note = fmt.Sprintf("Heroku lists no release of %s newer than v%d that rolls back to v%d: no rollback was made", app, newest, to.Version)
	case ctx.Err() != nil:
		return found, follow.StoppedAt(ctx, fmt.Sprintf("the rollback of %s to v%d", app, to.Version),
			fmt.Sprintf("Heroku did make release v%d, the rollback: %s", found.Version, statusNote(found)))
	default:
		return found, nil
	}
	if ctx.Err() != nil {
		return nil, follow.StoppedAt(ctx, fmt.Sprintf("the rollback of %s to v%d", app, to.Version), note)
	}
	return nil, fmt.Errorf("roll %s back to v%d: %w; %s", app, to.Version, cause, note)
}

// statusNote says what a release's status, as last read, means.
func statusNote(r *herokuapi.Release) string {
	switch r.Status {
	case "pending":
		return "pending when read; " + stopNote
	case "succeeded":
		return "succeeded when read: it serves; running the job again reports it"
	case "failed":
		return "failed when read: its release phase failed, the previous release still serves"
	}
	return fmt.Sprintf("%q when read", r.Status)
}

// Await looks, for up to the client's lookup window (a list may show a
// new release late, as Heroku's build list does: inferred,
// internal/herokusim/README.md), for the newest release of app newer than
// newest that ok accepts (any, when ok is nil): the release a request
// made, after an answer that did not say. Nil when none shows.
func Await(ctx context.Context, s *session.Session, app string, newest int, ok func(*herokuapi.Release) bool) (*herokuapi.Release, error) {
	window := s.Client.LookupWindow()
	deadline := time.Now().Add(window)
	for {
		list, err := s.Client.RecentReleases(ctx, app, 10)
		if err != nil {
			return nil, err
		}
		for i := range list { // newest first
			if r := &list[i]; r.Version > newest && r.ID != "" && (ok == nil || ok(r)) {
				return r, nil
			}
		}
		if !time.Now().Before(deadline) {
			return nil, nil
		}
		if err := pause.For(ctx, window/5); err != nil {
			return nil, err
		}
	}
}

// CurrentOf returns the app's current release, nil if it has none yet.
func CurrentOf(ctx context.Context, c *herokuapi.Client, app string) (*herokuapi.Release, error) {
	list, err := c.RecentReleases(ctx, app, 50)
	if err != nil {
		return nil, fmt.Errorf("list the releases of %s: %w", app, err)
	}
	return Current(list), nil
}
