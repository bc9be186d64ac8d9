package maintenance

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
)

type harness struct {
	sim *herokusim.Server
	sw  *Switch
	out *bytes.Buffer
}

func newHarness(t *testing.T, faults ...string) *harness {
	t.Helper()
	opts := herokusim.Options{Apps: []string{"my-app", "their-app:foreign"}}
	for _, f := range faults {
		pf, err := herokusim.ParseFault(f)
		if err != nil {
			t.Fatal(err)
		}
		opts.Faults = append(opts.Faults, pf)
	}
	sim, err := herokusim.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	client := herokuapi.New(herokuapi.Config{URL: sim.URL, Key: herokusim.DefaultKey, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	out := &bytes.Buffer{}
	return &harness{sim: sim, sw: &Switch{Client: client, Out: ciout.New(out, false)}, out: out}
}

// on reads the app's maintenance mode from the simulator.
func (h *harness) on(t *testing.T) bool {
	t.Helper()
	a, err := h.sw.Client.AppInfo(context.Background(), "my-app")
	if err != nil {
		t.Fatal(err)
	}
	return a.Maintenance
}

func (h *harness) patches() int {
	n := 0
	for _, r := range h.sim.Requests() {
		if r.Method == "PATCH" {
			n++
		}
	}
	return n
}

// TestAroundTurnsItOffWhateverHappens: after success, a failure, a timeout
// and a signal alike, maintenance mode is off again, and the work's own
// error is what Around returns.
func TestAroundTurnsItOffWhateverHappens(t *testing.T) {
	failed := errors.New("build failed")
	type signal struct{ error }
	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		work func(ctx context.Context) error
		want error
	}{
		{"success", background, func(context.Context) error { return nil }, nil},
		{"the work fails", background, func(context.Context) error { return failed }, failed},
		{"timeout", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }, context.DeadlineExceeded},
		{"SIGTERM", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancelCause(context.Background())
			time.AfterFunc(50*time.Millisecond, func() { cancel(signal{errors.New("cancelled by SIGTERM")}) })
			return ctx, func() { cancel(nil) }
		}, func(ctx context.Context) error { <-ctx.Done(); return context.Cause(ctx) }, signal{}},
		{"stopped before it began", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, func() {}
		}, func(ctx context.Context) error { return ctx.Err() }, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			ctx, cancel := tc.ctx()
			defer cancel()
			var onDuring bool
			err := h.sw.Around(ctx, "my-app", func(ctx context.Context) error {
				onDuring = h.on(t)
				return tc.work(ctx)
			})
			switch want := tc.want.(type) {
			case nil:
				if err != nil {
					t.Errorf("err = %v", err)
				}
			case signal:
				if !errors.As(err, &want) {
					t.Errorf("err = %v, want the signal", err)
				}
			default:
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want %v", err, want)
				}
			}
			if IsStillOn(err) {
				t.Errorf("maintenance reported still on: %v", err)
			}
			if tc.name != "stopped before it began" && !onDuring {
				t.Error("maintenance was not on during the work")
			}
			if h.on(t) {
				t.Error("maintenance is still on")
			}
			if !strings.Contains(h.out.String(), "==> Maintenance mode is off for my-app") {
				t.Errorf("log: %q", h.out.String())
			}
		})
	}
}

// TestAroundWhenOffFails: the alarm in the log, *StillOnError carrying both
// failures.
func TestAroundWhenOffFails(t *testing.T) {
	h := newHarness(t, "PATCH /apps/* 503 skip=1")
	err := h.sw.Around(context.Background(), "my-app", func(context.Context) error { return errors.New("release failed") })
	var still *StillOnError
	if !errors.As(err, &still) || !IsStillOn(err) {
		t.Fatalf("err = %v, want *StillOnError", err)
	}
	if herokuapi.StatusOf(err) != 503 || !strings.Contains(err.Error(), "before that: release failed") {
		t.Errorf("err = %v: want the 503 and the work's error", err)
	}
	if !strings.Contains(h.out.String(), "!!! MAINTENANCE MODE IS STILL ON for my-app") {
		t.Errorf("no alarm in the log: %q", h.out.String())
	}
	if !h.on(t) {
		t.Error("the simulator has maintenance off: the fault did not apply")
	}
}

// TestAroundWhenOnFails: the work never runs. A refusal (4xx) changed
// nothing, so nothing is turned off; an ambiguous failure may have turned
// it on, so it is turned off.
func TestAroundWhenOnFails(t *testing.T) {
	h := newHarness(t)
	ran := false
	err := h.sw.Around(context.Background(), "their-app", func(context.Context) error { ran = true; return nil })
	if herokuapi.StatusOf(err) != 403 || ran || h.patches() != 1 {
		t.Errorf("refused: err %v, work ran %v, %d PATCHes (want 403, false, 1)", err, ran, h.patches())
	}

	h = newHarness(t, "PATCH /apps/* 503 after times=5")
	err = h.sw.Around(context.Background(), "my-app", func(context.Context) error { ran = true; return nil })
	if herokuapi.StatusOf(err) != 503 || ran || IsStillOn(err) {
		t.Errorf("ambiguous: err %v, work ran %v", err, ran)
	}
	if h.on(t) {
		t.Error("an ambiguous 'on' that took effect was not turned off")
	}
}

func background() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

// TestLeftOn: from turning it on until it is off, LeftOn names the app (a
// second signal, which exits at once, reports it); a refused "on" and a
// failed "off" leave it out and in respectively.
func TestLeftOn(t *testing.T) {
	count := func(app string) int {
		n := 0
		for _, a := range LeftOn() {
			if a == app {
				n++
			}
		}
		return n
	}
	before := count("my-app") // other tests' failed "off"s
	h := newHarness(t)
	during := 0
	h.sw.Around(context.Background(), "my-app", func(context.Context) error { during = count("my-app"); return nil })
	if during != before+1 || count("my-app") != before {
		t.Errorf("LeftOn named my-app %d times during the work, %d after it was off (want %d, %d)", during, count("my-app"), before+1, before)
	}
	h.sw.Around(context.Background(), "their-app", func(context.Context) error { return nil })
	if count("their-app") != 0 {
		t.Error("LeftOn names an app Heroku refused to put in maintenance mode")
	}

	h = newHarness(t, "PATCH /apps/* 503 skip=1")
	h.sw.Around(context.Background(), "my-app", func(context.Context) error { return nil })
	if count("my-app") != before+1 {
		t.Error("LeftOn does not name an app whose maintenance mode could not be turned off")
	}
}
