// Package follow waits for Heroku objects that finish later: builds,
// releases, and whatever else streams its output and reports a status
// (promotions, app setups, dynos). Each has the same life: stream what it
// says, poll its status until a final state, and, when the wait is stopped
// by a signal or a timeout, cancel it if it can be cancelled. This package
// writes that life once; a caller says only how to read the object's status
// and which states are final.
package follow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/logstream"
	"gitlab.com/heroku-deploy/heroku/internal/pause"
)

// Waiter holds what every wait shares.
type Waiter struct {
	Client *herokuapi.Client
	Warn   func(string)
	// Poll is the pause between status reads [2s]; it is four times longer
	// while the account's rate-limit budget is low.
	Poll time.Duration
	// StreamWait is how long an output stream may answer 404 "not
	// registered yet" [30s].
	StreamWait time.Duration
	// RetryWait separates stream reconnections [1s].
	RetryWait time.Duration
}

// Job describes one object to wait for.
type Job[T any] struct {
	Kind string // "build", "release": for messages
	What string // "build b0…", "release v3": for messages
	// Stream is the object's output stream URL, "" if it has none; it is
	// copied to Out.
	Stream string
	Out    io.Writer
	// Fetch reads the object's current status.
	Fetch func(context.Context) (T, error)
	// State names a status ("pending"); Final says whether it will change.
	State func(T) string
	Final func(T) bool
	// Cancel, when set, is called when the wait is stopped while the object
	// is not final. It gets a context that outlives the stop by a few
	// seconds and returns what it did, for the error message.
	Cancel func(context.Context, T) string
	// StopNote, when Cancel is nil, says what happens to the object after a
	// stop ("release phase goes on on Heroku…").
	StopNote string
}

// cancelBudget bounds the requests made after a stop: GitLab Runner waits a
// little after SIGTERM before it kills the job.
const cancelBudget = 10 * time.Second

// Wait follows the job from its current status cur until it is final, and
// returns the final status. A stop (the context's end) returns *Stopped;
// a status that cannot be read for a reason other than an outage returns
// that error.
func Wait[T any](ctx context.Context, w *Waiter, j Job[T], cur T) (T, error) {
	wait := w.interval()
	if j.Stream != "" {
		err := logstream.Follow(ctx, j.Stream, j.Out, logstream.Options{
			Client: w.Client.Plain, NotFoundWindow: w.StreamWait, RetryWait: w.RetryWait,
		})
		if err != nil && ctx.Err() == nil {
			w.Warn(fmt.Sprintf("%s output unavailable (%v); waiting for the %s result", j.Kind, err, j.Kind))
		}
		wait = 0 // the stream's end is news: read the status at once
	} else if j.Final(cur) {
		return cur, nil
	}
	for {
		if ctx.Err() != nil {
			return cur, stopped(ctx, j, cur)
		}
		if pause.For(ctx, wait) != nil {
			continue
		}
		next, err := j.Fetch(ctx)
		switch {
		case err == nil:
			cur = next
			if j.Final(cur) {
				return cur, nil
			}
		case ctx.Err() != nil:
			continue
		case herokuapi.Unavailable(err):
			w.Warn(fmt.Sprintf("checking %s status: %v; still waiting", j.Kind, err))
		default:
			return cur, fmt.Errorf("check %s: %w", j.What, err)
		}
		wait = w.interval()
	}
}

// interval slows polling down when the account's rate-limit budget runs
// low, so a long wait never starves the team's other tools.
func (w *Waiter) interval() time.Duration {
	poll := w.Poll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	if r := w.Client.RateLimitRemaining(); r >= 0 && r < 100 {
		return 4 * poll
	}
	return poll
}

// stopped says what the stop left behind, cancelling the object when the
// job knows how.
func stopped[T any](ctx context.Context, j Job[T], cur T) error {
	e := &Stopped{Err: context.Cause(ctx), During: fmt.Sprintf("%s (last status: %s)", j.What, j.State(cur))}
	if j.Cancel == nil {
		e.Note = j.StopNote
		return e
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelBudget)
	defer cancel()
	e.Note = j.Cancel(cctx, cur)
	return e
}

// Stopped means a wait was stopped (timeout or signal) while Heroku was
// working. Err is the context's cause.
type Stopped struct {
	Err    error
	During string // "build b000… (last status: pending)"
	Note   string // what was done about it
}

func (e *Stopped) Error() string {
	msg := e.Err.Error()
	if e.During != "" {
		msg += " while waiting for " + e.During
	}
	if e.Note != "" {
		msg += "; " + e.Note
	}
	return msg
}

func (e *Stopped) Unwrap() error { return e.Err }

// IsStopped reports whether err is a timeout or a cancellation.
func IsStopped(err error) bool {
	var s *Stopped
	return errors.As(err, &s) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Failed means Heroku ran something and it failed: the code or its
// configuration must change.
type Failed struct{ Msg string }

func (e *Failed) Error() string { return e.Msg }
