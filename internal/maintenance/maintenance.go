// Package maintenance runs work with an app in maintenance mode and makes
// sure the mode is turned off again whatever happens to the work: failure,
// timeout, signal or a panic. An app left in maintenance serves an error
// page to every visitor, so failing to turn it off is the loudest thing the
// job says.
//
// What it reports, it has read: "Maintenance mode is on/off" is printed
// only after GET /apps/{app} shows it, and a request whose outcome is
// unknown (a stop while it was in flight, a 5xx, a cut connection) is
// followed by a read before anything else is done. Maintenance mode that
// was on before the job (an operator's) is left as found.
package maintenance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/pause"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

const (
	// offBudget bounds turning maintenance off: counted from a stop (a
	// signal, --timeout), it holds everything after it, the wait for an
	// "on" in flight included. GitLab Runner waits a little after
	// SIGTERM before it kills the job.
	offBudget = 10 * time.Second
	// landBudget is how long after a stop an "on" request already sent
	// may take to end: it is not abandoned, so that what it did can be
	// read instead of landing after the "off".
	landBudget = 4 * time.Second
	// settle is the pause, after an "on" whose outcome is unknown, for a
	// request still on its way to land before the mode is read and
	// switched off.
	settle = 500 * time.Millisecond
	// offRounds bounds "off, read": a read that shows it on again (an
	// "on" that landed late) gets the "off" again.
	offRounds = 3
)

// budget holds the budgets above; tests shorten them.
var budget = struct{ off, land, settle time.Duration }{offBudget, landBudget, settle}

// Read reads the app's maintenance mode: GET /apps/{app}, its maintenance
// field strictly decoded (a missing or non-boolean one is an error, never
// "off").
func Read(ctx context.Context, s *session.Session, app string) (bool, error) {
	on, err := s.Client.Maintenance(ctx, app)
	if err != nil {
		return false, fmt.Errorf("read the maintenance mode of %s: %w", app, err)
	}
	return on, nil
}

// On turns maintenance mode on, the `maintenance on` command's act, and
// says so once a read shows it. A stop does not abandon a request already
// sent: it is given time to end, and the mode it left is read and said;
// the stop is returned all the same.
func On(ctx context.Context, s *session.Session, app string) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if s.Dry() {
		return plan(ctx, s, app, true)
	}
	lctx, cancel := afterStop(ctx, budget.land)
	defer cancel()
	err := set(lctx, s, app, true)
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return err
}

// Off turns maintenance mode off and confirms it by a read, within the off
// budget even after ctx ended. On failure it prints the alarm and returns
// *StillOnError.
func Off(ctx context.Context, s *session.Session, app string) error {
	if s.Dry() {
		return plan(ctx, s, app, false)
	}
	bctx, cancel := afterStop(ctx, budget.off)
	defer cancel()
	return turnOff(bctx, s, app)
}

// plan is On or Off in a dry run: the mode read, and what the real run
// would send.
func plan(ctx context.Context, s *session.Session, app string, on bool) error {
	now, err := Read(ctx, s, app)
	if err != nil {
		return err
	}
	if now == on {
		s.Out.Step("(dry run) Maintenance mode is %s for %s already: the real run would confirm it, nothing would change", word(on), app)
		return nil
	}
	s.Would("turn maintenance mode %s for %s (it is %s), confirmed by a read", word(on), app, word(now))
	return nil
}

// turnOff is Off within bctx, which a stop does not end at once.
func turnOff(bctx context.Context, s *session.Session, app string) error {
	ctx, cancel := context.WithTimeout(bctx, budget.off)
	defer cancel()
	var err error
	for range offRounds {
		if err = set(ctx, s, app, false); err == nil || !errors.Is(err, errOtherWay) || ctx.Err() != nil {
			break
		}
	}
	if err == nil {
		left.forget(app)
		return nil
	}
	still := &StillOnError{App: app, Err: err}
	s.Out.Line("!!! %s", still.Headline())
	return still
}

// errOtherWay is a read that shows the mode the other way than just set.
var errOtherWay = errors.New("a read shows it the other way")

// set sends the PATCH, then reads the mode back, and says the mode only
// when the read shows it. A PATCH that failed ambiguously (a 5xx, a cut
// connection: it may have been applied) is followed by the read too,
// which decides; a refusal (a 4xx) changed nothing and is returned as is.
func set(ctx context.Context, s *session.Session, app string, on bool) error {
	_, err := send(ctx, s, app, on)
	return err
}

// send is set, and says whether the PATCH was given up on (ctx ended)
// before any answer: then Heroku may still apply it later.
func send(ctx context.Context, s *session.Session, app string, on bool) (gaveUp bool, err error) {
	s.Links.Changed(app)
	_, perr := s.Client.SetMaintenance(ctx, app, on)
	gaveUp = perr != nil && ctx.Err() != nil && herokuapi.StatusOf(perr) == 0
	if perr != nil {
		perr = fmt.Errorf("turn maintenance mode %s for %s: %w", word(on), app, perr)
		if refused(perr) {
			return false, perr
		}
	}
	got, rerr := Read(ctx, s, app)
	switch {
	case rerr == nil && got == on:
		s.Out.Step("Maintenance mode is %s for %s", word(on), app)
		return false, nil
	case perr != nil:
		return gaveUp, perr
	case rerr != nil:
		return false, fmt.Errorf("turned maintenance mode %s for %s, but could not confirm it: %w", word(on), app, rerr)
	}
	return false, &UnconfirmedError{App: app, Want: on}
}

// UnconfirmedError is a change Heroku accepted that a read does not show:
// someone switched it back meanwhile, or the API's answers disagree.
type UnconfirmedError struct {
	App  string
	Want bool
}

func (e *UnconfirmedError) Error() string {
	return fmt.Sprintf("turned maintenance mode %s for %s, but a read right after shows it %s", word(e.Want), e.App, word(!e.Want))
}

func (e *UnconfirmedError) Is(target error) bool { return target == errOtherWay }

// refused reports whether Heroku refused a request outright (a 4xx but
// 429): it changed nothing.
func refused(err error) bool {
	st := herokuapi.StatusOf(err)
	return st >= 400 && st < 500 && st != 429
}

// Around turns maintenance mode on, runs work, and turns it off again,
// also when work fails, panics or ctx ends (then within a budget of its
// own). It returns work's error, or *StillOnError when maintenance could
// not be confirmed off (work's error, if any, inside it).
//
// It reads the mode first: if it is on already (an operator switched it
// on), it leaves it as found, neither on nor off, and runs work. If
// turning it on fails, work does not run, and the mode is turned off
// anyway unless Heroku refused the request outright (a 4xx: nothing
// changed). A stop while the "on" is in flight does not abandon it: it
// has a while to end, then the mode is read and turned off, and read
// again. A panic in work turns it off too, then goes on (internal/cli
// reports it: exit 6 while LeftOn names the app).
func Around(ctx context.Context, s *session.Session, app string, work func(context.Context) error) (err error) {
	was, err := Read(ctx, s, app)
	if err != nil {
		return err
	}
	if was {
		s.Out.Step("Maintenance mode was already on for %s before this job: it stays on, as found (turn it off with heroku-deploy maintenance off --app %s)", app, app)
		return work(ctx)
	}
	if ctx.Err() != nil {
		return context.Cause(ctx) // stopped before anything was sent
	}
	off, land, settleFor := budget.off, budget.land, budget.settle
	// Everything from here to the confirmed "off" fits in the off budget
	// counted from a stop.
	bctx, cancel := afterStop(ctx, off)
	defer cancel()

	// From the request on, the mode may be on: a process that must exit
	// at once (a second signal) or that panics reports it with LeftOn.
	left.add(app)
	defer func() {
		if r := recover(); r != nil {
			turnOff(bctx, s, app)
			panic(r)
		}
	}()
	lctx, cancelOn := afterStop(ctx, land)
	// abandoned: given up on without an answer, it may land later still.
	abandoned, err := send(lctx, s, app, true)
	cancelOn()
	if refused(err) {
		left.remove(app)
		return err
	}
	if err != nil {
		// Its outcome is unknown: give a request still on its way a moment
		// to land before reading and switching off.
		pause.For(bctx, settleFor)
	}
	switch {
	case ctx.Err() != nil:
		err = context.Cause(ctx) // the stop, not what it did to the "on"
	case err == nil:
		err = work(ctx)
	}
	if offErr := turnOff(bctx, s, app); offErr != nil {
		offErr.(*StillOnError).Work = err
		return offErr
	}
	if abandoned {
		s.Out.Step("The request that turned maintenance mode on for %s had no answer %s after the stop: if Heroku applies it still, maintenance mode comes back on; check the app", app, land)
	}
	return err
}

// afterStop returns a context that outlives ctx by d: ctx ending (a stop)
// ends it d later, not at once. Its values are ctx's.
func afterStop(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(d, func() { cancel(fmt.Errorf("gave up %s after the stop", d)) })
		context.AfterFunc(c, func() { t.Stop() })
	})
	return c, func() { stop(); cancel(nil) }
}

// left holds the apps Around may have put in maintenance mode and not yet
// turned off, for LeftOn.
var left onApps

type onApps struct {
	mu   sync.Mutex
	apps []string
}

func (o *onApps) add(app string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.apps = append(o.apps, app)
}

// forget removes every mention of app: it is confirmed off.
func (o *onApps) forget(app string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.apps = slices.DeleteFunc(o.apps, func(a string) bool { return a == app })
}

func (o *onApps) remove(app string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if i := slices.Index(o.apps, app); i >= 0 {
		o.apps = slices.Delete(o.apps, i, i+1)
	}
}

// LeftOn returns the apps this process's Around calls may have put in
// maintenance mode and not confirmed off yet (by Around or Off). It is for a process about
// to exit at once (a second SIGTERM), which has no time to turn them off,
// and for a panic that Around could not turn them off after: both must say
// they are on.
func LeftOn() []string {
	left.mu.Lock()
	defer left.mu.Unlock()
	return slices.Clone(left.apps)
}

// StillOnError means maintenance mode could not be confirmed off: the app
// may still serve its maintenance page.
type StillOnError struct {
	App  string
	Err  error // why turning it off failed, or could not be confirmed
	Work error // what had gone wrong before, if anything
}

// Headline is the line the job log shows.
func (e *StillOnError) Headline() string { return Headline(e.App) }

// Headline is the alarm for an app left in maintenance mode.
func Headline(app string) string {
	return fmt.Sprintf("MAINTENANCE MODE IS STILL ON for %s: visitors see the maintenance page", app)
}

func (e *StillOnError) Error() string {
	msg := fmt.Sprintf("maintenance mode is still on for %s: %v", e.App, e.Err)
	if e.Work != nil {
		msg += "; before that: " + e.Work.Error()
	}
	return msg
}

// Unwrap is why turning maintenance off failed. The work's error is only
// in the message: maintenance left on outranks it, whatever it was.
func (e *StillOnError) Unwrap() error { return e.Err }

// IsStillOn reports whether err says maintenance mode was left on.
func IsStillOn(err error) bool {
	var s *StillOnError
	return errors.As(err, &s)
}

func word(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
