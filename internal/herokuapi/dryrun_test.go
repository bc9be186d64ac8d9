package herokuapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/dryrun"
)

// TestDryRunSendsOnlyReads (issue 23, point 6): a client built for a dry
// run sends every read of the answer table, and no other request of it,
// nor a storage upload, reaches the server: each fails at once, unretried,
// as *dryrun.Refused (no outage: not Unavailable, not Ambiguous), and the
// guard remembers it. Without the guard under the client's transports,
// the server sees the changes and this fails.
func TestDryRunSendsOnlyReads(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path)
		mu.Unlock()
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, wellFormedFor(r))
	}))
	defer srv.Close()
	guard := &dryrun.Guard{}
	var lines []string
	c := New(Config{URL: srv.URL, Key: testKey, RetryMax: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond,
		Notify: func(s string) { lines = append(lines, s) }, DryRun: guard})
	ctx := context.Background()
	keys := make([]string, 0, len(calls))
	for k := range calls {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	reads := 0
	for _, k := range keys {
		err := calls[k](ctx, c)
		if strings.HasPrefix(k, "GET ") {
			reads++
			if dryrun.IsRefused(err) {
				t.Errorf("%s: a read was refused: %v", k, err)
			}
			continue
		}
		var r *dryrun.Refused
		if !errors.As(err, &r) {
			t.Errorf("%s: %v, want a dry run's refusal", k, err)
			continue
		}
		if Unavailable(err) || Ambiguous(err) || StatusOf(err) != 0 {
			t.Errorf("%s: the refusal reads as an outage or an answer: %v", k, err)
		}
		if !strings.HasPrefix(err.Error(), "a dry run tried to change something: "+strings.Fields(k)[0]+" ") {
			t.Errorf("%s: the error is %q, want the refusal's own words", k, err)
		}
	}
	err := c.Upload(ctx, srv.URL+"/bucket/blob?X-Amz-Signature=deadbeef", 1, func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("x")), nil
	})
	if !dryrun.IsRefused(err) || strings.Contains(err.Error(), "deadbeef") {
		t.Errorf("the storage upload: %v, want a refusal without the signature", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, s := range seen {
		if !strings.HasPrefix(s, "GET ") {
			t.Errorf("the server saw %s in a dry run", s)
		}
	}
	if len(seen) < reads {
		t.Errorf("the server saw %d requests, want the %d reads at least", len(seen), reads)
	}
	if guard.Refused() == nil {
		t.Error("the guard does not remember its refusals")
	}
	if len(lines) > 0 {
		t.Errorf("a refusal was retried or announced: %q", lines)
	}
}
