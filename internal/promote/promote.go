// Package promote runs a pipeline promotion on Heroku: the source app's
// current release, checked to carry the commit the pipeline tested, is
// released on each target app without a build (the same slug or OCI
// image), and each target is followed to its end, release phase included,
// then health-checked when asked.
package promote

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/health"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/pause"
	"gitlab.com/heroku-deploy/heroku/internal/release"
	"gitlab.com/heroku-deploy/heroku/internal/rescue"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// Config says what to promote where.
type Config struct {
	From string
	To   []string
	// SourceVersion is the commit the source's release must carry, unless
	// AnyCommit.
	SourceVersion string
	AnyCommit     bool
	Health        health.Options
}

// Target is one target app and what the promotion did to it.
type Target struct {
	App        string
	WebURL     string // "" when the app has none
	Generation string
	Status     string // Heroku's: succeeded, failed (or pending after a stop)
	Error      string // Heroku's error_message, or why its release failed
	Release    *herokuapi.Release
	id         string
	guard      *health.Guard
}

// Result is what was promoted.
type Result struct {
	Source  string
	Release *herokuapi.Release // the source release promoted
	Commit  string             // what it was built from, "" if not recorded
	Targets []*Target
	// Images are what a container promotion released on every target, by
	// process type (internal/container; Release is then nil).
	Images []release.Image
}

// ProvenanceError is a source that runs another commit than the one the
// pipeline tested: nothing was promoted.
type ProvenanceError struct {
	App     string
	Version int
	Commit  string // what the source runs, "" if not recorded
	Want    string
}

func (e *ProvenanceError) Error() string {
	runs := "a slug that records no commit"
	if e.Commit != "" {
		runs = "commit " + e.Commit
	}
	return fmt.Sprintf("%s runs %s (release v%d), not %s, the commit this pipeline tested: nothing was promoted", e.App, runs, e.Version, e.Want)
}

// RolledBackError is a commit that the source was rolled back away from:
// its newest release there is followed by a rollback to an older release
// (QA rejected it). Nothing was promoted.
type RolledBackError struct {
	App      string
	Commit   string
	Version  int                // the source's newest release of Commit
	Rollback *herokuapi.Release // the rollback that moved away from it
}

func (e *RolledBackError) Error() string {
	return fmt.Sprintf("%s was rolled back away from %s: its newest release of it, v%d, is followed by v%d, a rollback to v%d (%s): nothing was promoted",
		e.App, e.Commit, e.Version, e.Rollback.Version, release.RolledBackTo(e.Rollback), e.Rollback.Status)
}

// stageOrder is the order a promotion goes (the CLI's PROMOTION_ORDER);
// review and test apps are not promoted.
var stageOrder = []string{"development", "staging", "production"}

type appInfo struct {
	name, id, pipeline, stage, url, generation string
	urlNote                                    string // what stood in for a null web_url
}

// Promote checks everything it can before the promotion (apps, stacks,
// pipeline and stages, the source's commit), creates it pinned to the
// release it checked, and follows every target to its end.
func Promote(ctx context.Context, s *session.Session, cfg Config) (*Result, error) {
	apps := map[string]*appInfo{}
	for _, name := range append([]string{cfg.From}, cfg.To...) {
		a, err := readApp(ctx, s, name)
		var cs *ContainerStackError
		if name != cfg.From && errors.As(err, &cs) {
			// The source, read first, is not a container app (its
			// *ContainerStackError sends the caller to internal/container).
			return nil, outcome.Input(err.Error(), fmt.Sprintf(
				"the source %s is not on the container stack: a promotion goes between apps of one kind (container apps are promoted from a container app, their image copied)", cfg.From))
		}
		if err != nil {
			return nil, err
		}
		apps[name] = a
	}
	src := apps[cfg.From]
	if err := checkStages(src, cfg.To, apps); err != nil {
		return nil, err
	}
	res := &Result{Source: src.name}
	list, err := s.Client.RecentReleases(ctx, src.name, 50)
	if err != nil {
		return nil, &outcome.AppError{App: src.name, Err: fmt.Errorf("list the releases of %s: %w", src.name, err)}
	}
	res.Release = release.Current(list)
	var kind, id string
	if res.Release != nil {
		kind, id = herokuapi.Artifact(res.Release)
	}
	if kind == "" {
		return nil, outcome.Input(fmt.Sprintf("%s has no release with a slug or image to promote", src.name), "deploy it first")
	}
	commits := map[string]string{} // artifact id -> commit: config releases share a slug
	commitOf := func(r *herokuapi.Release) (string, error) {
		kind, id := herokuapi.Artifact(r)
		if c, ok := commits[id]; ok {
			return c, nil
		}
		c, err := s.Client.ArtifactCommit(ctx, src.name, kind, id)
		if err != nil {
			return "", &outcome.AppError{App: src.name, Err: fmt.Errorf("read the commit of %s's release v%d: %w", src.name, r.Version, err)}
		}
		commits[id] = c
		return c, nil
	}
	if res.Commit, err = commitOf(res.Release); err != nil {
		return nil, err
	}
	switch {
	case cfg.AnyCommit:
	case res.Commit == cfg.SourceVersion:
		// Even the current release: a rollback away from it may be
		// pending, or have failed; either way someone rejected it.
		if rb := release.MovedAway(list, res.Release.Version); rb != nil {
			return nil, &RolledBackError{App: src.name, Commit: cfg.SourceVersion, Version: res.Release.Version, Rollback: rb}
		}
	default:
		// Staging runs another commit. Two cases, told apart by what came
		// after the commit's newest release there:
		//  - a newer deploy superseded it: a pipeline re-run later
		//    (GitLab's Rollback or Re-deploy button) promotes that
		//    release, pinned, so provenance holds and the button works;
		//  - a rollback moved away from it (QA rejected the commit): it
		//    is refused, exit 5.
		// A release of the commit is any release of its slug or image:
		// config changes share it, and a rollback's release carries its
		// target's.
		older, err := olderRelease(list, res.Release, cfg.SourceVersion, commitOf)
		if err != nil {
			return nil, err
		}
		if older == nil {
			return nil, &ProvenanceError{App: src.name, Version: res.Release.Version, Commit: res.Commit, Want: cfg.SourceVersion}
		}
		if rb := release.MovedAway(list, older.Version); rb != nil {
			return nil, &RolledBackError{App: src.name, Commit: cfg.SourceVersion, Version: older.Version, Rollback: rb}
		}
		s.Out.Step("%s runs v%d (%s); v%d is its newest release of %s that can still be promoted: promoting v%d",
			src.name, res.Release.Version, shortCommit(res.Commit), older.Version, shortCommit(cfg.SourceVersion), older.Version)
		res.Release, res.Commit = older, cfg.SourceVersion
		kind, id = herokuapi.Artifact(older)
	}
	for _, name := range cfg.To {
		a := apps[name]
		if a.urlNote != "" {
			s.Out.Step("%s", a.urlNote)
		}
		s.Links.URL(a.name, a.url)
		res.Targets = append(res.Targets, &Target{App: a.name, id: a.id, WebURL: a.url, Generation: a.generation, Status: "pending"})
	}
	if cfg.Health.Check != "" {
		if err := Guards(ctx, s, cfg.Health, res.Targets); err != nil {
			return nil, err
		}
	}

	commit := "no commit recorded"
	if res.Commit != "" {
		commit = "commit " + shortCommit(res.Commit)
	}
	// Each target's newest release before the promotion: afterwards, a
	// newer one that carries the promoted artifact is the promotion's.
	before := map[string]int{}
	for _, t := range res.Targets {
		l, err := s.Client.RecentReleases(ctx, t.App, 1)
		if err != nil {
			return nil, &outcome.AppError{App: t.App, Err: fmt.Errorf("list the releases of %s: %w", t.App, err)}
		}
		if len(l) > 0 {
			before[t.App] = l[0].Version
		}
	}
	if s.Dry() {
		s.Would("promote %s v%d (%s, %s %s) to %s: one pipeline promotion, no build", src.name, res.Release.Version, commit, kindNoun(kind), id, strings.Join(cfg.To, ", "))
		plan(s, res, before)
		return res, nil
	}
	s.Out.Step("Promoting %s v%d (%s, %s %s) to %s", src.name, res.Release.Version, commit, kindNoun(kind), id, strings.Join(cfg.To, ", "))
	req := herokuapi.PromotionRequest{Pipeline: src.pipeline, SourceApp: src.id, SourceRelease: res.Release.ID}
	for _, t := range res.Targets {
		req.Targets = append(req.Targets, t.id)
		s.Links.Changed(t.App)
	}
	promo, err := s.Client.PromotionCreate(ctx, req)
	if err == nil && (promo == nil || promo.ID == "") {
		err = &follow.Unknown{App: cfg.To[0], Msg: "Heroku's answer to the promotion names no promotion (no id)"}
	}
	var unknown *follow.Unknown
	switch {
	case err == nil:
	case ctx.Err() == nil && !errors.As(err, &unknown) && !herokuapi.Ambiguous(err):
		// A definite refusal (4xx): nothing was promoted.
		return nil, &outcome.AppError{App: cfg.To[0], Err: fmt.Errorf("create the promotion: %w", err)}
	default:
		// It may have gone through: say what the targets show.
		return res, afterAmbiguous(ctx, s, res, id, before, err)
	}
	if err := followTargets(ctx, s, promo.ID, res.Targets); err != nil {
		switch {
		case errors.As(err, &unknown):
			unknown.Msg += "; read afterwards, " + verify(ctx, s, res, id, before)
		case herokuapi.IsUnknown(err) && ctx.Err() == nil:
			// The promotion was created; what its targets answer cannot be
			// read: what their releases show is the answer.
			return res, &follow.Unknown{App: res.Targets[0].App, Msg: fmt.Sprintf("%v; read afterwards, %s", err, verify(ctx, s, res, id, before))}
		}
		return res, err
	}
	summary(s, res)
	var failed []string
	for _, t := range res.Targets {
		if t.Status != "succeeded" {
			failed = append(failed, fmt.Sprintf("%s (%s)", t.App, t.Error))
		}
	}
	for _, t := range res.Targets {
		if t.guard == nil || t.Status != "succeeded" {
			continue
		}
		if err := t.guard.Verify(ctx); err != nil {
			var f *follow.Failed
			if !errors.As(err, &f) {
				return res, err // a stop
			}
			t.Status, t.Error = "unhealthy", f.Msg
			failed = append(failed, fmt.Sprintf("%s (%s)", t.App, f.Msg))
		}
	}
	if len(failed) > 0 {
		return res, &follow.Failed{Msg: fmt.Sprintf("promotion of %s v%d failed for %d of %d targets: %s",
			src.name, res.Release.Version, len(failed), len(res.Targets), strings.Join(failed, "; "))}
	}
	return res, nil
}

// afterAmbiguous says what a promotion request that failed ambiguously
// (a 5xx, an answer without an id, a lost connection, a stop while it was
// in flight) did, read from the targets' releases, as the error to return.
func afterAmbiguous(ctx context.Context, s *session.Session, res *Result, artifact string, before map[string]int, cause error) error {
	note := verify(ctx, s, res, artifact, before)
	if ctx.Err() != nil {
		return follow.StoppedAt(ctx, fmt.Sprintf("the promotion of %s v%d to be created", res.Source, res.Release.Version), note)
	}
	return &outcome.AppError{App: res.Targets[0].App, Err: fmt.Errorf("create the promotion: %w; %s", cause, note)}
}

// lookupBudget bounds the reads made after a stop to find what a request
// in flight did (GitLab Runner waits a little after SIGTERM, no more).
const lookupBudget = 10 * time.Second

// verify reads each target's newest releases, for up to the client's
// lookup window (a promotion makes its releases a moment after it is
// created), and says whether the promotion went through: a release newer
// than the one before it that carries the promoted artifact (a promotion
// releases the very slug or image [inferred: as a slug copied with the
// Platform API keeps its id, Dev Center "Copying Slugs with the Platform
// API"]).
func verify(ctx context.Context, s *session.Session, res *Result, artifact string, before map[string]int) string {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), lookupBudget)
		defer cancel()
	}
	found := map[string]*herokuapi.Release{}
	failed := map[string]error{}
	window := s.Client.LookupWindow()
	deadline := time.Now().Add(window)
	for {
		for _, t := range res.Targets {
			if found[t.App] != nil {
				continue
			}
			l, err := s.Client.RecentReleases(ctx, t.App, 10)
			if err != nil {
				failed[t.App] = err
				continue
			}
			delete(failed, t.App)
			for i := range l { // newest first
				if _, id := herokuapi.Artifact(&l[i]); l[i].Version > before[t.App] && id == artifact {
					found[t.App] = &l[i]
					break
				}
			}
		}
		if len(found) == len(res.Targets) || !time.Now().Before(deadline) || pause.For(ctx, window/5) != nil {
			break
		}
	}
	var each []string
	for _, t := range res.Targets {
		switch r := found[t.App]; {
		case r != nil:
			each = append(each, fmt.Sprintf("%s has release v%d from it (%s when read)", t.App, r.Version, r.Status))
		case failed[t.App] != nil:
			each = append(each, fmt.Sprintf("the releases of %s could not be read (%v): see https://dashboard.heroku.com/apps/%s/activity", t.App, failed[t.App], t.App))
		default:
			each = append(each, fmt.Sprintf("%s shows no release newer than v%d with %s", t.App, before[t.App], artifact))
		}
	}
	pending := false
	for _, r := range found {
		pending = pending || r.Status == "pending"
	}
	switch {
	case len(found) == len(res.Targets) && pending:
		return "the promotion went through: " + strings.Join(each, ", ") + "; it goes on on Heroku (it cannot be cancelled)"
	case len(found) == len(res.Targets):
		return "the promotion went through: " + strings.Join(each, ", ")
	case len(found) > 0:
		return "the promotion went through in part: " + strings.Join(each, ", ")
	case len(failed) > 0:
		return "whether the promotion went through is unknown: " + strings.Join(each, ", ")
	}
	return fmt.Sprintf("no promotion shows after %s: %s; nothing was promoted, unless Heroku makes it late (see each app's activity in the dashboard)", roundWait(window), strings.Join(each, ", "))
}

func roundWait(d time.Duration) string {
	if d >= time.Second {
		return d.Round(time.Second).String()
	}
	return d.Round(time.Millisecond).String()
}

// olderRelease returns the newest release of the source, older than its
// current one, that carries commit and can still be released (succeeded,
// eligible: not expired by Heroku's retention), or nil.
func olderRelease(list []herokuapi.Release, cur *herokuapi.Release, commit string, commitOf func(*herokuapi.Release) (string, error)) (*herokuapi.Release, error) {
	var best *herokuapi.Release
	for i := range list {
		r := &list[i]
		if r.Version >= cur.Version || release.Check("", r) != nil || (best != nil && r.Version < best.Version) {
			continue
		}
		c, err := commitOf(r)
		if err != nil {
			return nil, err
		}
		if c == commit {
			best = r
		}
	}
	return best, nil
}

func shortCommit(c string) string {
	if c == "" {
		return "no commit recorded"
	}
	return c[:min(8, len(c))]
}

// readApp reads an app and its coupling.
func readApp(ctx context.Context, s *session.Session, name string) (*appInfo, error) {
	a, err := s.Client.AppInfo(ctx, name)
	if err != nil {
		return nil, &outcome.AppError{App: name, Err: fmt.Errorf("look up app %s: %w", name, err)}
	}
	if a.Stack.Name == "container" || a.BuildStack.Name == "container" {
		// Heroku pipelines cannot promote them; heroku-deploy copies the
		// image instead (internal/container), when the source is one.
		return nil, &ContainerStackError{App: a}
	}
	c, err := coupling(ctx, s.Client, name)
	if err != nil {
		return nil, err
	}
	u, note, err := s.Client.URL(ctx, a)
	if err != nil {
		return nil, &outcome.AppError{App: name, Err: err}
	}
	return &appInfo{name: a.Name, id: a.ID, pipeline: c.Pipeline.ID, stage: c.Stage, url: u, urlNote: note, generation: herokuapi.Generation(a)}, nil
}

// coupling reads an app's pipeline coupling; an app in no pipeline is
// input refused.
func coupling(ctx context.Context, c *herokuapi.Client, name string) (*herokuapi.Coupling, error) {
	cp, err := c.CouplingOf(ctx, name)
	if herokuapi.Absent(err) {
		return nil, outcome.Input(
			fmt.Sprintf("app %s is in no pipeline", name),
			fmt.Sprintf("add it to the source's pipeline at its stage: heroku pipelines:add PIPELINE --app %s --stage STAGE", name),
		)
	}
	if err != nil {
		return nil, &outcome.AppError{App: name, Err: fmt.Errorf("look up the pipeline of %s: %w", name, err)}
	}
	return cp, nil
}

// ContainerStackError is an app on the container stack, which Heroku
// pipelines cannot promote (heroku/roadmap#222). When it is the source,
// the promotion is a container promotion (internal/container); a target
// on the container stack with a source that is not is refused.
type ContainerStackError struct{ App *herokuapi.App }

func (e *ContainerStackError) Error() string {
	return fmt.Sprintf("app %s is on the container stack: Heroku pipelines cannot promote container apps", e.App.Name)
}

// CheckPipeline applies the stage rule of a promotion to apps read
// elsewhere (a container promotion's): from and every app of to coupled
// to one pipeline, from at development or staging, each target
// downstream of it.
func CheckPipeline(ctx context.Context, c *herokuapi.Client, from string, to []string) error {
	apps := map[string]*appInfo{}
	for _, name := range append([]string{from}, to...) {
		cp, err := coupling(ctx, c, name)
		if err != nil {
			return err
		}
		apps[name] = &appInfo{name: name, pipeline: cp.Pipeline.ID, stage: cp.Stage}
	}
	return checkStages(apps[from], to, apps)
}

// checkStages: the source is a development or staging app, and every
// target is in its pipeline, downstream of it.
func checkStages(src *appInfo, to []string, apps map[string]*appInfo) error {
	from := slices.Index(stageOrder, src.stage)
	if from < 0 || from == len(stageOrder)-1 {
		return outcome.Input(
			fmt.Sprintf("%s is at stage %s: only development and staging apps are promoted (development → staging → production)", src.name, src.stage),
			"promote from the app at the stage before the targets'",
		)
	}
	for _, name := range to {
		t := apps[name]
		if t.pipeline != src.pipeline {
			return outcome.Input(
				fmt.Sprintf("%s (stage %s) is in another pipeline than %s (stage %s): a promotion stays in one pipeline", t.name, t.stage, src.name, src.stage),
				"couple both apps to one pipeline (heroku pipelines:add), or promote from an app of the target's pipeline",
			)
		}
		if slices.Index(stageOrder, t.stage) <= from {
			return outcome.Input(
				fmt.Sprintf("%s is at stage %s, not downstream of %s (stage %s): promotions go development → staging → production", t.name, t.stage, src.name, src.stage),
				"promote to apps at a later stage than the source's",
			)
		}
	}
	return nil
}

// Guards prepares each target's health check, reading the release a
// failed check rolls back to before anything changes; opts say how a
// rollback's release is followed. A container promotion's targets get
// theirs here too.
func Guards(ctx context.Context, s *session.Session, o health.Options, targets []*Target, opts ...release.Option) error {
	for _, t := range targets {
		out := s.Out.Prefixed("[" + t.App + "] ")
		g, err := o.NewGuard(s.WithOut(out), t.App, t.WebURL, nil, opts...)
		if err != nil {
			return outcome.Input(err.Error(), "pass a full URL to --health-check (the health_check input), or give the app a URL")
		}
		if o.Rollback {
			if g.Before, err = release.CurrentOf(ctx, s.Client, t.App); err != nil {
				return &outcome.AppError{App: t.App, Err: err}
			}
		}
		t.guard = g
	}
	return nil
}

// plan says, in a dry run, what would become current on each target
// (before: each one's newest release version now) and the health checks
// Guards prepared.
func plan(s *session.Session, res *Result, before map[string]int) {
	for _, t := range res.Targets {
		now := "it has no release yet"
		if v, ok := before[t.App]; ok {
			now = fmt.Sprintf("its newest release now: v%d", v)
		}
		s.Out.Line("    %s: a new release of it would become current (%s)", t.App, now)
	}
	for _, t := range res.Targets {
		t.Plan(s)
	}
}

// Plan says, in a dry run, the health check Guards prepared for t, if any.
func (t *Target) Plan(s *session.Session) {
	if t.guard != nil {
		s.Would("%s", t.guard.Plan())
	}
}

// Verify runs t's health check, if Guards gave it one.
func (t *Target) Verify(ctx context.Context) error {
	if t.guard == nil {
		return nil
	}
	return t.guard.Verify(ctx)
}

// followTargets reads the promotion's targets until none is pending. When a
// target's release appears, its release phase is followed beside the
// others', every line prefixed with the target's name.
func followTargets(ctx context.Context, s *session.Session, id string, targets []*Target) error {
	byID := map[string]*Target{}
	for _, t := range targets {
		byID[t.id] = t
	}
	started := map[string]bool{}
	done := func(ts []herokuapi.PromotionTarget) bool {
		if len(ts) == 0 {
			return false
		}
		for _, t := range ts {
			if t.Status == "pending" {
				return false
			}
		}
		return true
	}
	fresh := func(ts []herokuapi.PromotionTarget) bool {
		for _, t := range ts {
			if byID[t.App.ID] != nil && releaseOf(t) != "" && !started[t.App.ID] {
				return true
			}
		}
		return false
	}
	job := follow.Job[[]herokuapi.PromotionTarget]{
		Kind: "promotion", What: "promotion " + id,
		Fetch: func(ctx context.Context) ([]herokuapi.PromotionTarget, error) {
			return s.Client.PromotionTargets(ctx, id)
		},
		State: func(ts []herokuapi.PromotionTarget) string {
			var s []string
			for _, t := range ts {
				if tg := byID[t.App.ID]; tg != nil {
					s = append(s, tg.App+" "+t.Status)
				}
			}
			return strings.Join(s, ", ")
		},
		Final:    func(ts []herokuapi.PromotionTarget) bool { return done(ts) || fresh(ts) },
		StopNote: "the promotion goes on on Heroku (it cannot be cancelled): see each app's activity in the dashboard",
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var stop error
	var ts []herokuapi.PromotionTarget
	for {
		var err error
		ts, err = follow.Wait(ctx, s.Wait, job, ts)
		if err != nil {
			wg.Wait()
			return err
		}
		for _, pt := range ts {
			t := byID[pt.App.ID]
			if t == nil || releaseOf(pt) == "" || started[pt.App.ID] {
				continue
			}
			started[pt.App.ID] = true
			wg.Add(1)
			go func(relID string) {
				defer rescue.Guard()
				defer wg.Done()
				out := s.Out.Prefixed("[" + t.App + "] ")
				defer out.Flush()
				rel, err := release.Follow(ctx, s.WithOut(out), t.App, relID)
				mu.Lock()
				defer mu.Unlock()
				t.Release = rel
				var failed *follow.Failed
				switch {
				case errors.As(err, &failed):
					t.Error = failed.Msg
				case err != nil && stop == nil:
					stop = err
				}
			}(releaseOf(pt))
		}
		if done(ts) {
			break
		}
	}
	wg.Wait()
	if stop != nil {
		return stop
	}
	seen := map[string]bool{}
	for _, pt := range ts {
		t := byID[pt.App.ID]
		if t == nil {
			continue
		}
		seen[t.id] = true
		switch {
		case pt.Status == "failed":
			t.Status = "failed"
			if pt.ErrorMessage != nil && *pt.ErrorMessage != "" {
				t.Error = *pt.ErrorMessage
			} else if t.Error == "" {
				t.Error = "Heroku gave no reason"
			}
		case pt.Status != "succeeded":
			return &follow.Unknown{App: t.App, Msg: fmt.Sprintf("Heroku says the promotion to %s ended %q, which heroku-deploy does not know (promotion %s): the promotion may have gone through", t.App, pt.Status, id)}
		case t.Error != "": // Heroku says succeeded, its release did not
			t.Status = "failed"
		case t.Release == nil:
			// A success without its release: nothing to follow or report.
			return &follow.Unknown{App: t.App, Msg: fmt.Sprintf("Heroku says the promotion to %s succeeded but names no release of it (promotion %s, target status succeeded, release %s)", t.App, id, describeRelease(pt))}
		default:
			t.Status = pt.Status
		}
	}
	for _, t := range targets {
		if !seen[t.id] {
			return &follow.Unknown{App: t.App, Msg: fmt.Sprintf("Heroku's list of the targets of promotion %s does not hold %s: the promotion may have gone through", id, t.App)}
		}
	}
	return nil
}

// releaseOf is the id of a target's release, "" while it has none (or an
// answer gave one without its id).
func releaseOf(t herokuapi.PromotionTarget) string {
	if t.Release == nil {
		return ""
	}
	return t.Release.ID
}

func describeRelease(t herokuapi.PromotionTarget) string {
	if t.Release == nil {
		return "null"
	}
	return fmt.Sprintf("%q", t.Release.ID)
}

// summary prints one line per target, whatever happened.
func summary(s *session.Session, res *Result) {
	s.Out.Step("Promotion of %s v%d:", res.Source, res.Release.Version)
	for _, t := range res.Targets {
		line := fmt.Sprintf("    %s: %s", t.App, t.Status)
		if t.Release != nil {
			line += fmt.Sprintf(", release v%d", t.Release.Version)
		}
		if t.Error != "" {
			line += ": " + t.Error
		}
		s.Out.Line("%s", line)
	}
}

func kindNoun(kind string) string {
	if kind == "oci-image" {
		return "OCI image"
	}
	return "slug"
}
