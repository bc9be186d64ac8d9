package follow

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
)

func waiter(t *testing.T) (*Waiter, *[]string) {
	var warnings []string
	return &Waiter{
		Client: herokuapi.New(herokuapi.Config{URL: "http://127.0.0.1:1", RetryMax: -1}),
		Warn:   func(s string) { warnings = append(warnings, s) },
		Poll:   5 * time.Millisecond, StreamPoll: 20 * time.Millisecond, RetryWait: time.Millisecond,
	}, &warnings
}

type obj struct{ status string }

func job(fetch func(context.Context) (obj, error)) Job[obj] {
	return Job[obj]{
		Kind: "build", What: "build b1", Out: io.Discard, Fetch: fetch,
		State: func(o obj) string { return o.status },
		Final: func(o obj) bool { return o.status != "pending" },
	}
}

// TestStopReadsStatusAfresh: a build that succeeded between the last read
// and the stop must not be reported (or treated) as pending.
func TestStopReadsStatusAfresh(t *testing.T) {
	w, _ := waiter(t)
	var reads atomic.Int32
	ctx, cancel := context.WithCancelCause(context.Background())
	j := job(func(context.Context) (obj, error) {
		if reads.Add(1) == 1 {
			cancel(errors.New("cancelled by SIGTERM")) // the stop comes right after a pending read
			return obj{"pending"}, nil
		}
		return obj{"succeeded"}, nil
	})
	var cancelledWith string
	j.Cancel = func(_ context.Context, o obj) string { cancelledWith = o.status; return "done" }
	_, err := Wait(ctx, w, j, obj{"pending"})
	var st *Stopped
	if !errors.As(err, &st) {
		t.Fatalf("err = %v, want *Stopped", err)
	}
	if cancelledWith != "succeeded" || !strings.Contains(st.During, "(last status: succeeded)") {
		t.Errorf("Cancel saw %q, During %q: want the fresh status, succeeded", cancelledWith, st.During)
	}
}

// TestStopWithoutCancelSaysWhatEnded: a release (no Cancel) that ended
// before the stop is not described as going on.
func TestStopWithoutCancelSaysWhatEnded(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("timed out after 1s"))
	j := job(func(context.Context) (obj, error) { return obj{"succeeded"}, nil })
	j.Kind, j.StopNote = "release", "release phase goes on"
	err := Stop(ctx, j, obj{"pending"})
	if got := err.Error(); got != "timed out after 1s while waiting for build b1 (last status: succeeded); the release had already ended (succeeded)" {
		t.Errorf("got %q", got)
	}
}

// TestStopWithoutFreshStatusStillCancels: when the status cannot be read
// at the stop, Cancel gets the last status, pending or final (it knows
// what a final one means; Heroku refuses to cancel what ended), and one
// that cannot be cancelled says what goes on.
func TestStopWithoutFreshStatusStillCancels(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("timed out after 1s"))
	j := job(func(context.Context) (obj, error) {
		return obj{}, &herokuapi.Error{Method: "GET", Path: "/apps/a/builds/b1", Status: 503}
	})
	var cancelledWith string
	j.Cancel = func(_ context.Context, o obj) string { cancelledWith = o.status; return "cancelled build b1 on Heroku" }
	err := Stop(ctx, j, obj{"pending"})
	if cancelledWith != "pending" || !strings.HasSuffix(err.Error(), "could not read its status (GET /apps/a/builds/b1: 503 Service Unavailable); cancelled build b1 on Heroku") {
		t.Errorf("Cancel saw %q; got %q", cancelledWith, err)
	}
	cancelledWith = ""
	if err := Stop(ctx, j, obj{"succeeded"}); cancelledWith != "succeeded" {
		t.Errorf("a final last status: Cancel saw %q, want succeeded; got %q", cancelledWith, err)
	}
	j.Cancel, j.Kind, j.StopNote = nil, "release", "release phase goes on on Heroku"
	if err := Stop(ctx, j, obj{"pending"}); !strings.HasSuffix(err.Error(), ": release phase goes on on Heroku") {
		t.Errorf("got %q", err)
	}
}

// TestFinalStatusEndsAnOpenStream: a stream that never closes does not
// hold the wait once the object is final.
func TestFinalStatusEndsAnOpenStream(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "line\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	w, warnings := waiter(t)
	j := job(func(context.Context) (obj, error) { return obj{"succeeded"}, nil })
	j.Stream = srv.URL
	start := time.Now()
	got, err := Wait(context.Background(), w, j, obj{"pending"})
	if err != nil || got.status != "succeeded" {
		t.Fatalf("got %v, %v", got, err)
	}
	if took := time.Since(start); took > drainGrace+time.Second {
		t.Errorf("took %s", took)
	}
	if len(*warnings) != 1 || !strings.Contains((*warnings)[0], "stayed open") {
		t.Errorf("warnings %q", *warnings)
	}
}

// TestOutageIsWaitedOut: an unavailable status read warns and goes on; any
// other error ends the wait.
func TestOutageIsWaitedOut(t *testing.T) {
	w, warnings := waiter(t)
	var n atomic.Int32
	got, err := Wait(context.Background(), w, job(func(context.Context) (obj, error) {
		if n.Add(1) < 3 {
			return obj{}, &herokuapi.Error{Method: "GET", Path: "/apps/a/builds/b1", Status: 503}
		}
		return obj{"failed"}, nil
	}), obj{"pending"})
	if err != nil || got.status != "failed" || len(*warnings) != 2 {
		t.Fatalf("got %v, %v, warnings %q", got, err, *warnings)
	}
	_, err = Wait(context.Background(), w, job(func(context.Context) (obj, error) {
		return obj{}, &herokuapi.Error{Method: "GET", Path: "/apps/a/builds/b1", Status: 404}
	}), obj{"pending"})
	if err == nil || !strings.HasPrefix(err.Error(), "check build b1: GET /apps/a/builds/b1: 404") {
		t.Errorf("404: %v", err)
	}
}

// TestLowRateLimitSlowsPolling: below 100 requests left of the account's
// budget, status reads come four times less often; above, at the pace set.
func TestLowRateLimitSlowsPolling(t *testing.T) {
	var remaining atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("RateLimit-Remaining", strconv.FormatInt(remaining.Load(), 10))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"01234567-89ab-cdef-0123-456789abcdef","name":"a","maintenance":false,"stack":{"name":"heroku-24"}}`)
	}))
	defer s.Close()
	w := &Waiter{Client: herokuapi.New(herokuapi.Config{URL: s.URL}), Poll: time.Second, StreamPoll: 3 * time.Second}
	for _, tt := range []struct {
		left            int64
		poll, streaming time.Duration
	}{{4500, time.Second, 3 * time.Second}, {100, time.Second, 3 * time.Second}, {99, 4 * time.Second, 12 * time.Second}} {
		remaining.Store(tt.left)
		if _, err := w.Client.AppInfo(context.Background(), "a"); err != nil {
			t.Fatal(err)
		}
		if got, got2 := w.interval(false), w.interval(true); got != tt.poll || got2 != tt.streaming {
			t.Errorf("%d left: polls every %s (%s streaming), want %s (%s)", tt.left, got, got2, tt.poll, tt.streaming)
		}
	}
}

// TestOutageWarningsCountTheStreak: each status read lost to an outage is
// one warning with the number lost in a row, which a read that works
// starts again; the reads after a lost one are labelled for the client's
// retry lines (herokuapi.WithRead).
func TestOutageWarningsCountTheStreak(t *testing.T) {
	w, warnings := waiter(t)
	outage := &herokuapi.Error{Method: "GET", Path: "/apps/a/builds/b1", Status: 503}
	steps := []error{outage, outage, nil, outage, nil}
	var n int
	j := job(func(context.Context) (obj, error) {
		err := steps[n]
		n++
		if n == len(steps) {
			return obj{"succeeded"}, nil
		}
		if err != nil {
			return obj{}, err
		}
		return obj{"pending"}, nil
	})
	if _, err := Wait(context.Background(), w, j, obj{"pending"}); err != nil {
		t.Fatal(err)
	}
	var counts []string
	for _, s := range *warnings {
		_, rest, _ := strings.Cut(s, "status is unknown (read ")
		count, _, _ := strings.Cut(rest, " lost")
		counts = append(counts, count)
	}
	if got := strings.Join(counts, " "); got != "1 2 1" {
		t.Errorf("warnings %q: counts %q, want 1 2 1", *warnings, got)
	}
}
