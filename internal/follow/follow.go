// Package follow waits for Heroku objects that finish later: builds,
// releases, and whatever else streams its output and reports a status
// (promotions, app setups, dynos). Each has the same life: stream what it
// says, read its status until a final state, and, when the wait is stopped
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
	"gitlab.com/heroku-deploy/heroku/internal/rescue"
)

// Waiter holds what every wait shares.
type Waiter struct {
	Client *herokuapi.Client
	Warn   func(string)
	// Poll is the pause between status reads [2s]; it is four times longer
	// while the account's rate-limit budget is low.
	Poll time.Duration
	// StreamPoll is the pause between status reads while the output stream
	// still flows [10s]: its end is the usual sign that the object is done,
	// but a stream that stays open must not outlive the object.
	StreamPoll time.Duration
	// StreamWait is how long an output stream may answer 404 "not
	// registered yet" [30s].
	StreamWait time.Duration
	// Quiet is how long a stream may send nothing, not even a keepalive,
	// before it is resumed [60s].
	Quiet time.Duration
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
	// Cancel, when set, is called when the wait is stopped, with the status
	// read afresh at that moment (final or not: a build can succeed just
	// before a stop), or the last one read when that read fails; then it
	// must not trust a non-final status (a cancel of what has ended is
	// refused: inferred, internal/herokusim/README.md). It gets a context
	// that outlives the stop by a few seconds and says what it did, or
	// what the object's state means.
	Cancel func(context.Context, T) string
	// StopNote, when Cancel is nil, says what happens to the object after a
	// stop ("release phase goes on on Heroku…").
	StopNote string
	// Unregistered, when set, says what a stream that never registered
	// means (a container image without curl: release phase does not
	// stream); the wait goes on by status alone, as for any lost stream.
	Unregistered string
}

// cancelBudget bounds the requests made after a stop: GitLab Runner waits a
// little after SIGTERM before it kills the job.
const cancelBudget = 10 * time.Second

// drainGrace is how long a stream may go on after its object is final:
// enough for the last lines, not for a stream that never closes.
const drainGrace = 2 * time.Second

// Wait follows the job from its current status cur until it is final, and
// returns the final status. It streams the output and reads the status at
// the same time: the stream's end calls for a status read at once, and a
// final status ends a stream that stays open. A stop (the context's end)
// returns *Stopped; a status that cannot be read for a reason other than
// an outage returns that error.
func Wait[T any](ctx context.Context, w *Waiter, j Job[T], cur T) (T, error) {
	if j.Stream == "" && j.Final(cur) {
		return cur, nil
	}
	streamCtx, stopStream := context.WithCancel(ctx)
	defer stopStream()
	streamDone := make(chan struct{})
	if j.Stream != "" {
		go func() {
			defer rescue.Guard()
			defer close(streamDone)
			err := logstream.Follow(streamCtx, j.Stream, j.Out, logstream.Options{
				Client: w.Client.Plain, NotFoundWindow: w.StreamWait, RetryWait: w.RetryWait, Quiet: w.Quiet,
				Notify: func(msg string) { w.Warn(j.Kind + " " + msg) },
			})
			switch {
			case err == nil || streamCtx.Err() != nil:
			case errors.Is(err, logstream.ErrNotRegistered) && j.Unregistered != "":
				w.Warn(fmt.Sprintf("%s output was never registered: %s; waiting for the %s result", j.Kind, j.Unregistered, j.Kind))
			default:
				w.Warn(fmt.Sprintf("%s output unavailable (%v); waiting for the %s result", j.Kind, err, j.Kind))
			}
		}()
	} else {
		close(streamDone)
	}
	endStream := func() {
		stopStream()
		<-streamDone
	}

	streamEnd := (<-chan struct{})(streamDone) // nil once its end was seen
	if j.Stream == "" {
		streamEnd = nil
	}
	failed := 0    // status reads in a row lost to an outage
	malformed := 0 // of those, reads answered with something that is no answer
	for {
		timer := time.NewTimer(w.interval(streamEnd != nil))
		select {
		case <-ctx.Done():
			timer.Stop()
			endStream()
			return cur, Stop(ctx, j, cur)
		case <-streamEnd:
			timer.Stop()
			streamEnd = nil // the stream's end is news: read the status at once
		case <-timer.C:
		}
		rctx := ctx
		if failed > 0 {
			// Its request's retry lines say which read they belong to.
			rctx = herokuapi.WithRead(ctx, fmt.Sprintf("read %d of the %s's status", failed+1, j.Kind))
		}
		next, err := j.Fetch(rctx)
		switch {
		case err == nil:
			failed, malformed = 0, 0
			cur = next
			if j.Final(cur) {
				w.drain(j.Kind, streamDone, endStream)
				return cur, nil
			}
		case ctx.Err() != nil:
		case malformedAnswer(err) && malformed+1 >= maxMalformed:
			// An outage passes; an answer that keeps coming back malformed
			// (a 2xx that is not the object, a proxy's 404 page) is no
			// outage, and waiting for it to mend until --timeout would be
			// a wait the tool does not bound.
			endStream()
			return cur, fmt.Errorf("check %s: %d answers in a row were not Heroku's (each read retried): %w", j.What, maxMalformed, err)
		case herokuapi.Unavailable(err):
			failed++
			if malformedAnswer(err) {
				malformed++
			}
			// One story with the request's own retry lines: read N's
			// attempts, then this line, then read N+1's attempts.
			w.Warn(fmt.Sprintf("%v; the %s's status is unknown (read %d lost to the outage); still waiting, read %d in %s",
				err, j.Kind, failed, failed+1, w.interval(streamEnd != nil)))
		default:
			endStream()
			return cur, fmt.Errorf("check %s: %w", j.What, err)
		}
	}
}

// maxMalformed bounds the status reads in a row answered with something
// that is not Heroku's answer (each one already retried by the client).
const maxMalformed = 3

// malformedAnswer: an answer that is no answer (a malformed 2xx, a 4xx
// without Heroku's error JSON), unlike a 5xx or a 429, which an outage
// sends.
func malformedAnswer(err error) bool {
	var e *herokuapi.Error
	return errors.As(err, &e) && e.Unknown && e.Status != 429 && e.Status < 500
}

// drain lets the stream deliver its last lines once the object is final,
// and ends a stream that stays open longer.
func (w *Waiter) drain(kind string, done <-chan struct{}, end func()) {
	t := time.NewTimer(drainGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		end()
		w.Warn(fmt.Sprintf("the %s output stream stayed open after the %s ended; stopped reading it", kind, kind))
	}
}

// interval is the pause before the next status read: longer while the
// stream flows, and four times longer when the account's rate-limit budget
// runs low, so a long wait never starves the team's other tools.
func (w *Waiter) interval(streaming bool) time.Duration {
	poll := w.Poll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	if streaming {
		poll = w.StreamPoll
		if poll <= 0 {
			poll = 10 * time.Second
		}
	}
	if r := w.Client.RateLimitRemaining(); r >= 0 && r < 100 {
		return 4 * poll
	}
	return poll
}

// Stop is what a stop does to an object, also one that the caller was not
// (yet) waiting for with Wait, such as a build whose create request was in
// flight: read its status afresh (the last one read may be stale, and a
// build that already succeeded must not be reported as cancelled), cancel
// it if the job can, and return the *Stopped that says what happened.
func Stop[T any](ctx context.Context, j Job[T], cur T) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelBudget)
	defer cancel()
	e := &Stopped{Err: context.Cause(ctx)}
	next, err := j.Fetch(cctx)
	if err != nil {
		e.During = fmt.Sprintf("%s (last status: %s)", j.What, j.State(cur))
		e.Note = fmt.Sprintf("could not read its status (%v)", err)
		switch {
		case j.Cancel != nil:
			// Cancel on the last status read: a cancel of what has ended
			// is refused (inferred), so a stale status cannot mislead it.
			e.Note += "; " + j.Cancel(cctx, cur)
		case j.StopNote != "":
			e.Note += ": " + j.StopNote
		default:
			e.Note += ": it may still be running"
		}
		return e
	}
	cur = next
	e.During = fmt.Sprintf("%s (last status: %s)", j.What, j.State(cur))
	switch {
	case j.Cancel == nil && j.Final(cur):
		e.Note = fmt.Sprintf("the %s had already ended (%s)", j.Kind, j.State(cur))
		return e
	case j.Cancel == nil:
		e.Note = j.StopNote
		return e
	}
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

// StoppedAt is the *Stopped of a stop that came while waiting for during,
// outside Wait: Err is the context's cause, as Wait's own.
func StoppedAt(ctx context.Context, during, note string) *Stopped {
	return &Stopped{Err: context.Cause(ctx), During: during, Note: note}
}

// IsStopped reports whether err is a timeout or a cancellation.
func IsStopped(err error) bool {
	var s *Stopped
	return errors.As(err, &s) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Failed means Heroku ran something and it failed: the code or its
// configuration must change.
type Failed struct{ Msg string }

func (e *Failed) Error() string { return e.Msg }

// Unknown is an outcome that could not be established: an answer lacked
// what it must carry (a succeeded promotion target without its release),
// or a request may or may not have taken effect and reading afterwards did
// not settle it. Msg says what was asked and what was read. It is never
// "nothing changed".
type Unknown struct {
	App string // the app to look at, "" if none
	Msg string
}

func (e *Unknown) Error() string { return e.Msg }
