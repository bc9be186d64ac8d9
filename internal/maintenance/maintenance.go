// Package maintenance runs work with an app in maintenance mode and makes
// sure the mode is turned off again whatever happens to the work: failure,
// timeout or signal. An app left in maintenance serves an error page to
// every visitor, so failing to turn it off is the loudest thing the job
// says.
package maintenance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
)

// offBudget bounds turning maintenance off after the work's context ended:
// GitLab Runner waits a little after SIGTERM before it kills the job.
const offBudget = 10 * time.Second

// Switch turns an app's maintenance mode on and off.
type Switch struct {
	Client *herokuapi.Client
	Out    *ciout.Writer
}

// Set turns maintenance mode on or off and says so.
func (s *Switch) Set(ctx context.Context, app string, on bool) error {
	if _, err := s.Client.SetMaintenance(ctx, app, on); err != nil {
		return fmt.Errorf("turn maintenance mode %s for %s: %w", word(on), app, err)
	}
	s.Out.Step("Maintenance mode is %s for %s", word(on), app)
	return nil
}

// Around turns maintenance mode on, runs work, and turns it off again,
// also when work fails or ctx ends (then within a budget of its own). It
// returns work's error, or *StillOnError when maintenance could not be
// turned off (work's error, if any, inside it). If turning it on fails,
// work does not run, and the mode is turned off anyway unless Heroku
// refused the request outright (a 4xx: nothing changed).
func (s *Switch) Around(ctx context.Context, app string, work func(context.Context) error) error {
	// From the request on, the mode may be on: a process that must exit
	// at once (a second signal) reports it with LeftOn.
	left.add(app)
	err := s.Set(ctx, app, true)
	if st := herokuapi.StatusOf(err); st >= 400 && st < 500 {
		left.remove(app)
		return err
	}
	if err == nil {
		err = work(ctx)
	}
	octx, cancel := context.WithTimeout(context.WithoutCancel(ctx), offBudget)
	defer cancel()
	if offErr := s.Off(octx, app); offErr != nil {
		offErr.(*StillOnError).Work = err
		return offErr
	}
	left.remove(app)
	return err
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

func (o *onApps) remove(app string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if i := slices.Index(o.apps, app); i >= 0 {
		o.apps = slices.Delete(o.apps, i, i+1)
	}
}

// LeftOn returns the apps this process's Around calls may have put in
// maintenance mode and not yet turned off. It is for a process about to
// exit at once (a second SIGTERM), which has no time to turn them off and
// must say they are on.
func LeftOn() []string {
	left.mu.Lock()
	defer left.mu.Unlock()
	return slices.Clone(left.apps)
}

// Off turns maintenance mode off. On failure it prints the alarm and
// returns *StillOnError.
func (s *Switch) Off(ctx context.Context, app string) error {
	if err := s.Set(ctx, app, false); err != nil {
		still := &StillOnError{App: app, Err: err}
		s.Out.Line("!!! %s", still.Headline())
		return still
	}
	return nil
}

// StillOnError means maintenance mode could not be turned off: the app may
// still serve its maintenance page.
type StillOnError struct {
	App  string
	Err  error // why turning it off failed
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
