package dryrun

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestGuardRefusesChanges: in a dry run, GET and HEAD reach the server and
// nothing else does; the refusal names the request without its query (a
// signed URL's signature) and is remembered. A nil Guard (a real run)
// sends everything.
func TestGuardRefusesChanges(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		w.WriteHeader(200)
	}))
	defer srv.Close()

	g := &Guard{}
	c := &http.Client{Transport: g.Wrap(http.DefaultTransport)}
	for _, m := range []string{"GET", "HEAD"} {
		req, _ := http.NewRequest(m, srv.URL+"/apps/my-app", nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		resp.Body.Close()
	}
	if got.Load() != 2 || g.Refused() != nil {
		t.Fatalf("reads: the server saw %d requests, refused %v", got.Load(), g.Refused())
	}
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		body := &closeCounter{Reader: strings.NewReader("{}")}
		req, _ := http.NewRequest(m, srv.URL+"/s3/blob?X-Amz-Signature=SECRET", body)
		_, err := c.Do(req)
		var r *Refused
		if !errors.As(err, &r) || r.Method != m || strings.Contains(r.Error(), "SECRET") || !strings.HasSuffix(r.URL, "/s3/blob") {
			t.Errorf("%s: %v, want a refusal naming %s …/s3/blob without its query", m, err, m)
		}
		if !body.closed {
			t.Errorf("%s: the refused request's body was not closed", m)
		}
	}
	if got.Load() != 2 {
		t.Errorf("the server saw %d requests, want the 2 reads only", got.Load())
	}
	if r := g.Refused(); r == nil || r.Method != "POST" {
		t.Errorf("Refused() = %v, want the first refusal (POST)", r)
	}
	if !IsRefused(g.Refused()) {
		t.Error("IsRefused(Refused()) is false")
	}

	allowed := &Guard{}
	c = &http.Client{Transport: allowed.Wrap(http.DefaultTransport, func(r *http.Request) bool { return r.URL.Path == "/token" })}
	resp, err := c.Post(srv.URL+"/token", "application/x-www-form-urlencoded", strings.NewReader("grant_type=refresh_token"))
	if err != nil || allowed.Refused() != nil {
		t.Fatalf("an allowed POST: %v, refused %v", err, allowed.Refused())
	}
	resp.Body.Close()

	var real *Guard
	if real.Refused() != nil {
		t.Error("a nil Guard refused something")
	}
	if tr := real.Wrap(http.DefaultTransport); tr != http.DefaultTransport {
		t.Error("a nil Guard wrapped the transport")
	}
}

type closeCounter struct {
	io.Reader
	closed bool
}

func (c *closeCounter) Close() error { c.closed = true; return nil }
