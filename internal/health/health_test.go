package health

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
)

func TestCheckSpec(t *testing.T) {
	for spec, ok := range map[string]bool{
		"/healthz": true, "/": true, "/up?probe=1": true, "https://example.com/up": true, "http://127.0.0.1:5000/": true,
		"healthz": false, "ftp://example.com/": false, "https://": false, "/with space": false, "https://u:p@example.com/": false,
	} {
		if err := CheckSpec(spec); (err == nil) != ok {
			t.Errorf("CheckSpec(%q) = %v, want ok=%v", spec, err, ok)
		}
	}
}

func TestURL(t *testing.T) {
	for _, tt := range []struct{ spec, web, want string }{
		{"/healthz", "https://my-app-1234.herokuapp.com/", "https://my-app-1234.herokuapp.com/healthz"},
		{"/a/b?x=1", "https://www.example.com", "https://www.example.com/a/b?x=1"},
		{"https://status.example.com/up", "", "https://status.example.com/up"},
	} {
		if got, err := resolveURL(tt.spec, tt.web); err != nil || got != tt.want {
			t.Errorf("URL(%q, %q) = %q, %v; want %q", tt.spec, tt.web, got, err, tt.want)
		}
	}
	if _, err := resolveURL("/healthz", ""); err == nil {
		t.Error("a path for an app without a URL was accepted")
	}
}

// server answers statuses in turn, the last forever, and counts requests.
func server(t *testing.T, h func(n int, w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(int(n.Add(1)), w, r) }))
	t.Cleanup(s.Close)
	return s, &n
}

func check(u string, timeout time.Duration) (*Check, *bytes.Buffer) {
	var b bytes.Buffer
	return &Check{URL: u, Timeout: timeout, Wait: time.Millisecond, Out: ciout.New(&b, false)}, &b
}

func TestRunPassesAfterFailures(t *testing.T) {
	s, n := server(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n <= 3 {
			w.WriteHeader(503)
			w.Write([]byte("\x1b[0Ksection_start booting\n" + strings.Repeat("x", 500)))
			return
		}
		w.Write([]byte("ready"))
	})
	c, out := check(s.URL+"/healthz?token=secret", 5*time.Second)
	c.Contains = "ready"
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 4 {
		t.Errorf("%d requests, want 4", n.Load())
	}
	log := out.String()
	if strings.Contains(log, "token=secret") || strings.Contains(log, "\x1b") {
		t.Errorf("the log shows the query or a control character:\n%q", log)
	}
	for _, line := range strings.Split(strings.TrimSpace(log), "\n")[1:4] {
		body := line[strings.Index(line, "Unavailable: ")+len("Unavailable: "):]
		if r := []rune(body); len(r) != 201 || r[200] != '…' {
			t.Errorf("a failing body is shown as %d characters, want 200 and an ellipsis: %q", len(r), line)
		}
	}
	if !strings.HasSuffix(log, "==> Health check 4: 200 OK\n") {
		t.Errorf("log:\n%s", log)
	}
}

func TestRunDoesNotFollowRedirects(t *testing.T) {
	s, n := server(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			t.Error("the redirect was followed")
		}
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	c, _ := check(s.URL+"/", time.Second)
	if err := c.Run(context.Background()); err != nil || n.Load() != 1 {
		t.Fatalf("err %v after %d requests: a 3xx passes, unfollowed", err, n.Load())
	}
}

// TestRunEndsOnAWholeAttempt: no attempt is started that the deadline
// would cut short (one would end as "no answer within 3ms" and hide what
// the app last said), so none arrives within an attempt's time (200ms) of
// the end. Half of that is slack for a loaded machine; before, the last
// arrived in the final pause's 15ms.
func TestRunEndsOnAWholeAttempt(t *testing.T) {
	var last atomic.Int64
	start := time.Now()
	s, _ := server(t, func(n int, w http.ResponseWriter, r *http.Request) {
		last.Store(int64(time.Since(start)))
		w.Write([]byte("starting"))
	})
	c, _ := check(s.URL+"/", 2*time.Second)
	c.Contains = "ready"
	err := c.Run(context.Background())
	var f *Failure
	if !errors.As(err, &f) || f.Attempts < 2 || f.Last != `200 OK, but the body does not contain "ready"` {
		t.Fatalf("err = %#v", err)
	}
	if at := time.Duration(last.Load()); at > 1900*time.Millisecond {
		t.Errorf("the last attempt started %s into a 2s check", at)
	}
}

// TestRunBoundsEachAttempt: an answer slower than a tenth of the check
// counts as none, and the next attempt comes.
func TestRunBoundsEachAttempt(t *testing.T) {
	s, n := server(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
	})
	c, out := check(s.URL+"/", 2*time.Second)
	start := time.Now()
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > time.Second || n.Load() != 2 {
		t.Errorf("took %s and %d requests", took, n.Load())
	}
	if !strings.Contains(out.String(), "==> Health check 1: no answer within 200ms\n") {
		t.Errorf("log:\n%s", out)
	}
}

func TestRunStops(t *testing.T) {
	s, _ := server(t, func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	c, _ := check(s.URL+"/", time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := c.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's", err)
	}
}

// TestRunStopsForMaintenance (issue 19, point 6): after the first 503 the
// app's maintenance mode is read, once; on, the check stops at once (the
// maintenance page says nothing about the release); off, or unreadable,
// the check goes on, and its failure carries the last status.
func TestRunStopsForMaintenance(t *testing.T) {
	for _, tc := range []struct {
		name string
		on   bool
		err  error
	}{
		{"on", true, nil},
		{"off", false, nil},
		{"unreadable", false, errors.New("GET /apps/my-app: 503")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, n := server(t, func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
			c, _ := check(s.URL+"/", 300*time.Millisecond)
			asked := 0
			c.Maintenance = func(context.Context) (bool, error) { asked++; return tc.on, tc.err }
			err := c.Run(context.Background())
			var im *InMaintenanceError
			var f *Failure
			switch {
			case tc.on && (!errors.As(err, &im) || n.Load() != 1):
				t.Errorf("err %v after %d attempts, want *InMaintenanceError after 1", err, n.Load())
			case !tc.on && (!errors.As(err, &f) || f.Status != 503 || n.Load() < 2):
				t.Errorf("err %#v after %d attempts, want a Failure on 503", err, n.Load())
			}
			if asked != 1 {
				t.Errorf("maintenance mode read %d times, want once", asked)
			}
		})
	}
}

// TestFailureSaysWhatItTook: a check that stops early, because the next
// pause and attempt would not end within its time, says how long it took
// and why it stopped, not "within" the whole timeout it did not use.
func TestFailureSaysWhatItTook(t *testing.T) {
	s, _ := server(t, func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	c, _ := check(s.URL+"/", 2*time.Second)
	c.Wait = 400 * time.Millisecond // attempts at 0, 0.4s and 1.2s; the next would start at 2.8s
	err := c.Run(context.Background())
	var f *Failure
	if !errors.As(err, &f) || f.Attempts != 3 {
		t.Fatalf("err = %v", err)
	}
	if f.Took < time.Second || f.Took > 1800*time.Millisecond {
		t.Errorf("Took = %s, want about 1.2s", f.Took)
	}
	msg := err.Error()
	if !regexp.MustCompile(`did not pass in 1\.[0-9]s \(3 attempts; last: 500 Internal Server Error\): another attempt would not end within --health-check-timeout 2s$`).MatchString(msg) {
		t.Errorf("message %q", msg)
	}
}

// TestFailingPagesAreDescribedWithoutMarkup: an HTML error page shows as
// its title or its text, never its markup, styles or scripts; another body
// shows as its start.
func TestFailingPagesAreDescribedWithoutMarkup(t *testing.T) {
	for _, tc := range []struct{ ctype, body, want string }{
		{"text/html; charset=utf-8", `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Application Error</title><style>html,body{margin:0}</style></head><body><iframe src="//www.herokucdn.com/error-pages/application-error.html"></iframe></body></html>`,
			`: page titled "Application Error"`},
		{"", "<!doctype html>\n<html><head><title>\n  Bad &amp; broken\n</title></head></html>", `: page titled "Bad & broken"`},
		{"text/html", `<html><body>Offline for Maintenance</body></html>`, `: page reading "Offline for Maintenance"`},
		{"text/html", `<html><head><script>var x = "<b>";</script><style>p{color:red}</style></head><body><h1>Oops</h1><!-- debug --><p>Try&nbsp;later</p></body></html>`,
			`: page reading "Oops Try later"`},
		{"text/html", `<html><body><div></div></body></html>`, ": an HTML page without text"},
		{"application/json", `{"error":"down"}`, `: {"error":"down"}`},
		{"text/plain", "", ""},
	} {
		if got := describe(tc.ctype, []byte(tc.body)); got != tc.want {
			t.Errorf("describe(%q, %q) = %q, want %q", tc.ctype, tc.body, got, tc.want)
		}
	}
}
