package maintenance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

type harness struct {
	sim *herokusim.Server
	s   *session.Session
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
	return &harness{sim: sim, s: &session.Session{Client: client, Out: ciout.New(out, false)}, out: out}
}

// on reads the app's maintenance mode from the simulator.
func (h *harness) on(t *testing.T) bool {
	t.Helper()
	a, err := h.s.Client.AppInfo(context.Background(), "my-app")
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
			err := Around(ctx, h.s, "my-app", func(ctx context.Context) error {
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
			if h.on(t) {
				t.Error("maintenance is still on")
			}
			if tc.name == "stopped before it began" {
				// Nothing sent, nothing to turn off.
				if h.patches() != 0 || h.out.String() != "" {
					t.Errorf("%d PATCHes, log %q", h.patches(), h.out.String())
				}
				return
			}
			if !onDuring {
				t.Error("maintenance was not on during the work")
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
	err := Around(context.Background(), h.s, "my-app", func(context.Context) error { return errors.New("release failed") })
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

// TestAroundWhenOnFails: the work runs only once a read shows the mode
// on. A refusal (4xx) changed nothing, so nothing is turned off; an
// ambiguous failure may have turned it on, so the read decides: on, the
// work runs; not on, it does not, and the mode is turned off anyway.
func TestAroundWhenOnFails(t *testing.T) {
	for _, tc := range []struct {
		name, app, fault string
		status, patches  int
		ran              bool
	}{
		{"the read before is refused", "their-app", "", 403, 0, false},
		{"the on is refused", "my-app", "PATCH /apps/* 422", 422, 1, false},
		{"a 503 that did nothing", "my-app", "PATCH /apps/* 503 times=5", 503, 6, false},
		{"a 503 after it took effect", "my-app", "PATCH /apps/* 503 after times=5", 0, 6, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var faults []string
			if tc.fault != "" {
				faults = append(faults, tc.fault)
			}
			h := newHarness(t, faults...)
			ran := false
			err := Around(context.Background(), h.s, tc.app, func(context.Context) error { ran = true; return nil })
			if herokuapi.StatusOf(err) != tc.status || ran != tc.ran || IsStillOn(err) || h.patches() != tc.patches {
				t.Errorf("err %v, work ran %v, %d PATCHes; want status %d, ran %v, %d PATCHes", err, ran, h.patches(), tc.status, tc.ran, tc.patches)
			}
			if tc.app == "my-app" && h.on(t) {
				t.Error("maintenance is on")
			}
		})
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
	left.forget("my-app") // other tests' failed "off"s
	h := newHarness(t)
	during := 0
	Around(context.Background(), h.s, "my-app", func(context.Context) error { during = count("my-app"); return nil })
	if during != 1 || count("my-app") != 0 {
		t.Errorf("LeftOn named my-app %d times during the work, %d after it was off (want 1, 0)", during, count("my-app"))
	}
	Around(context.Background(), h.s, "their-app", func(context.Context) error { return nil })
	h = newHarness(t, "PATCH /apps/* 422")
	Around(context.Background(), h.s, "my-app", func(context.Context) error { return nil })
	if count("their-app") != 0 || count("my-app") != 0 {
		t.Error("LeftOn names an app Heroku refused to read or put in maintenance mode")
	}

	h = newHarness(t, "PATCH /apps/* 503 skip=1")
	Around(context.Background(), h.s, "my-app", func(context.Context) error { return nil })
	if count("my-app") != 1 {
		t.Error("LeftOn does not name an app whose maintenance mode could not be turned off")
	}
	// The operator's "maintenance off" (or a later job's) confirms it off.
	if err := Off(context.Background(), newHarness(t).s, "my-app"); err != nil || count("my-app") != 0 {
		t.Errorf("Off: %v; LeftOn still names my-app", err)
	}
}

// requests lists the simulator's requests as "METHOD PATH STATUS".
func (h *harness) requests() string {
	var b strings.Builder
	for _, r := range h.sim.Requests() {
		fmt.Fprintf(&b, "%s %s %d\n", r.Method, r.Path, r.Status)
	}
	return b.String()
}

// TestAroundLeavesOperatorsMaintenance: maintenance mode that was on before
// the job is someone else's: Around neither turns it on nor off, says so,
// and the work's outcome is its own.
func TestAroundLeavesOperatorsMaintenance(t *testing.T) {
	h := newHarness(t)
	if _, err := h.s.Client.SetMaintenance(context.Background(), "my-app", true); err != nil {
		t.Fatal(err)
	}
	ran := false
	err := Around(context.Background(), h.s, "my-app", func(context.Context) error { ran = true; return nil })
	if err != nil || !ran {
		t.Fatalf("err %v, work ran %v", err, ran)
	}
	if !h.on(t) || h.patches() != 1 {
		t.Errorf("maintenance on: %v, %d PATCHes (want on, only the operator's)", h.on(t), h.patches())
	}
	if !strings.Contains(h.out.String(), "==> Maintenance mode was already on for my-app before this job: it stays on") ||
		strings.Contains(h.out.String(), "Maintenance mode is off") {
		t.Errorf("log: %q", h.out.String())
	}
}

// TestAroundStopWhileOnInFlight (issue 19, point 2): a signal while the
// "on" PATCH is in flight does not abandon it; its answer is awaited, the
// mode read, turned off and read again. The old code sent "off" at once,
// and the "on" landed after it.
func TestAroundStopWhileOnInFlight(t *testing.T) {
	h := newHarness(t, "PATCH /apps/* delay=600ms times=1")
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(250*time.Millisecond, func() { cancel(errors.New("cancelled by SIGTERM")) })
	ran := false
	err := Around(ctx, h.s, "my-app", func(context.Context) error { ran = true; return nil })
	if err == nil || err.Error() != "cancelled by SIGTERM" || IsStillOn(err) || ran {
		t.Errorf("err %v, work ran %v: want the signal, no work", err, ran)
	}
	time.Sleep(600 * time.Millisecond) // a request the old code abandoned lands
	if h.on(t) {
		t.Error("maintenance is on: the abandoned 'on' landed after the 'off'")
	}
	want := "GET /apps/my-app 200\nPATCH /apps/my-app 200\nGET /apps/my-app 200\nPATCH /apps/my-app 200\nGET /apps/my-app 200\n"
	if got := h.requests(); !strings.HasPrefix(got, want) {
		t.Errorf("requests:\n%swant (read, on, read, off, read):\n%s", got, want)
	}
	if !strings.Contains(h.out.String(), "==> Maintenance mode is on for my-app\n==> Maintenance mode is off for my-app\n") {
		t.Errorf("log: %q", h.out.String())
	}
}

// TestAroundOnAbandoned: an "on" with no answer within its time after the
// stop is given up on; the mode is read, turned off and read again within
// the off budget, and the log says the request may still land.
func TestAroundOnAbandoned(t *testing.T) {
	h := newHarness(t, "PATCH /apps/* delay=1500ms times=1")
	old := budget
	t.Cleanup(func() { budget = old })
	budget.land, budget.off, budget.settle = 100*time.Millisecond, time.Second, 10*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	err := Around(ctx, h.s, "my-app", func(context.Context) error { return nil })
	if !errors.Is(err, context.Canceled) || IsStillOn(err) {
		t.Errorf("err %v", err)
	}
	if took := time.Since(start); took > 1200*time.Millisecond {
		t.Errorf("took %s: the 'on' was not given up on within its time", took)
	}
	if !strings.Contains(h.out.String(), "==> Maintenance mode is off for my-app\n==> The request that turned maintenance mode on for my-app had no answer 100ms after the stop: if Heroku applies it still") {
		t.Errorf("log: %q", h.out.String())
	}
}

// TestOffIsVerified: "off" is said only after a read shows it. A PATCH
// answered 5xx after it took effect is off (the old code: exit 6); a read
// that cannot be made is not (the old code: "off"); a read that shows it
// on again (an earlier "on" landing late) gets the "off" again.
func TestOffIsVerified(t *testing.T) {
	t.Run("a 503 after it took effect", func(t *testing.T) {
		h := newHarness(t, "PATCH /apps/* 503 after skip=1")
		h.s.Client.SetMaintenance(context.Background(), "my-app", true)
		if err := Off(context.Background(), h.s, "my-app"); err != nil {
			t.Errorf("Off: %v", err)
		}
		if h.on(t) || !strings.Contains(h.out.String(), "==> Maintenance mode is off for my-app") {
			t.Errorf("on: %v; log %q", h.on(t), h.out.String())
		}
	})
	t.Run("the read fails", func(t *testing.T) {
		h := newHarness(t, "GET /apps/* 503 html times=5")
		h.s.Client.SetMaintenance(context.Background(), "my-app", true)
		err := Off(context.Background(), h.s, "my-app")
		if !IsStillOn(err) || !herokuapi.Unavailable(err) {
			t.Errorf("Off: %v, want *StillOnError with the read's 503 (an outage)", err)
		}
		if strings.Contains(h.out.String(), "Maintenance mode is off") || !strings.Contains(h.out.String(), "!!! MAINTENANCE MODE IS STILL ON for my-app") {
			t.Errorf("log: %q", h.out.String())
		}
	})
	t.Run("an on lands late", func(t *testing.T) {
		h := newHarness(t, "PATCH /apps/* delay=300ms times=1", "GET /apps/* delay=400ms times=1")
		go h.s.Client.SetMaintenance(context.Background(), "my-app", true) // lands at 300ms
		time.Sleep(100 * time.Millisecond)
		if err := Off(context.Background(), h.s, "my-app"); err != nil { // its read comes at 500ms
			t.Errorf("Off: %v", err)
		}
		if h.on(t) || h.patches() != 3 {
			t.Errorf("on: %v, %d PATCHes (want off, on + off twice)", h.on(t), h.patches())
		}
	})
	t.Run("a stop does not abandon it", func(t *testing.T) {
		h := newHarness(t, "PATCH /apps/* delay=300ms skip=1 times=1")
		h.s.Client.SetMaintenance(context.Background(), "my-app", true)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		if err := Off(ctx, h.s, "my-app"); err != nil {
			t.Errorf("Off: %v", err)
		}
		if h.on(t) {
			t.Error("maintenance is on")
		}
	})
}

// TestAroundPanics (issue 19, point 7): a panic in the work still turns
// maintenance off, confirmed by a read, and goes on with its value;
// LeftOn names the app only if it could not be turned off.
func TestAroundPanics(t *testing.T) {
	run := func(h *harness) (r any) {
		defer func() { r = recover() }()
		Around(context.Background(), h.s, "my-app", func(context.Context) error {
			var rel *herokuapi.Release
			_ = rel.Version // a nil answer dereferenced
			return nil
		})
		return nil
	}
	count := func() int { return strings.Count(strings.Join(LeftOn(), " "), "my-app") }
	left.forget("my-app") // other tests' failed "off"s
	before := 0
	h := newHarness(t)
	r := run(h)
	if err, ok := r.(error); !ok || !strings.Contains(err.Error(), "nil pointer dereference") {
		t.Errorf("recovered %v, want the work's panic", r)
	}
	if h.on(t) || !strings.Contains(h.out.String(), "==> Maintenance mode is off for my-app") || count() != before {
		t.Errorf("on: %v, LeftOn %v, log %q", h.on(t), LeftOn(), h.out.String())
	}

	h = newHarness(t, "PATCH /apps/* 503 skip=1")
	if r := run(h); r == nil {
		t.Error("the panic was swallowed")
	}
	if !h.on(t) || !strings.Contains(h.out.String(), "!!! MAINTENANCE MODE IS STILL ON for my-app") || count() != before+1 {
		t.Errorf("on: %v, LeftOn %v, log %q", h.on(t), LeftOn(), h.out.String())
	}
	left.forget("my-app")
}
