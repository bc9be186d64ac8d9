package follow

import (
	"context"
	"fmt"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
)

// Release waits for a release to end, whatever made it (a build, a config
// change, a promotion, a rollback): its release phase's log, when it has
// one, streams in a section of out, shown even when it already ended (a
// failure's reason is in it). stopNote says what a stop leaves behind.
func (w *Waiter) Release(ctx context.Context, out *ciout.Writer, app string, rel *herokuapi.Release, stopNote string) (*herokuapi.Release, error) {
	return w.ReleaseNoting(ctx, out, app, rel, stopNote, "")
}

// ReleaseNoting is Release, unregistered saying what a release-phase
// stream that never registers means (Job.Unregistered).
func (w *Waiter) ReleaseNoting(ctx context.Context, out *ciout.Writer, app string, rel *herokuapi.Release, stopNote, unregistered string) (*herokuapi.Release, error) {
	job := Job[*herokuapi.Release]{
		Kind: "release", What: fmt.Sprintf("release v%d", rel.Version), Out: out,
		Fetch:    func(ctx context.Context) (*herokuapi.Release, error) { return w.Client.ReleaseInfo(ctx, app, rel.ID) },
		State:    func(r *herokuapi.Release) string { return r.Status },
		Final:    func(r *herokuapi.Release) bool { return r.Status != "pending" },
		StopNote: stopNote, Unregistered: unregistered,
	}
	if rel.OutputStreamURL != nil && *rel.OutputStreamURL != "" {
		job.Stream = *rel.OutputStreamURL
		end := out.Section("heroku_release", fmt.Sprintf("Running release phase (v%d)", rel.Version))
		defer end()
	}
	return Wait(ctx, w, job, rel)
}

// ReleaseOutcome reads a final release status. Only "succeeded" is live;
// every other status, known or new, is a failure by its own name. failed
// says what a failed release phase means for this kind of release.
func ReleaseOutcome(r *herokuapi.Release, failed string) error {
	switch r.Status {
	case "succeeded":
		return nil
	case "failed":
		return &Failed{Msg: fmt.Sprintf("release v%d failed in release phase: %s", r.Version, failed)}
	case "expired":
		return &Failed{Msg: fmt.Sprintf("release v%d is expired: Heroku has deleted its artifacts (it expires releases older than 30 days beyond the last 20), so it cannot serve", r.Version)}
	}
	return &Failed{Msg: fmt.Sprintf("release v%d ended with status %q, which is not success: it is not reported as deployed", r.Version, r.Status)}
}
