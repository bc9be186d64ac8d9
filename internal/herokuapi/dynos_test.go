package herokuapi

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"
)

// TestDynoCreateBacksOffOn409: a 409 (the app's release not ready yet) is
// tried again after the client's retry wait, doubling, not at once; a stop
// during that wait ends it without another try.
func TestDynoCreateBacksOffOn409(t *testing.T) {
	const path = "POST /apps/my-app/dynos"
	client := func(t *testing.T, steps []string, wait time.Duration) (*Client, *scripted) {
		srv := &scripted{steps: map[string][]string{path: steps}, n: map[string]int{}}
		ts := httptest.NewServer(srv)
		t.Cleanup(ts.Close)
		return New(Config{URL: ts.URL, Key: testKey, UserAgent: "unit",
			RetryWaitMin: wait, RetryWaitMax: 10 * wait, Notify: func(string) {}}), srv
	}

	t.Run("waits between tries", func(t *testing.T) {
		c, srv := client(t, []string{"409", "409", "201"}, 40*time.Millisecond)
		start := time.Now()
		if _, err := c.DynoCreate(context.Background(), "my-app", DynoRequest{Command: "true"}); err != nil {
			t.Fatal(err)
		}
		// 40ms then 80ms, each at least 7/8 of it after jitter; far less
		// than a wait that grew from a later step.
		if took, least, most := time.Since(start), 105*time.Millisecond, 600*time.Millisecond; took < least || took > most {
			t.Errorf("three tries took %v, want %v to %v of waiting", took, least, most)
		}
		if n := srv.requests(path); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
	})

	t.Run("a stop ends the retries", func(t *testing.T) {
		c, srv := client(t, []string{"409"}, time.Second)
		stop, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.DynoCreate(context.Background(), "my-app", DynoRequest{Command: "true", Stop: stop})
		if StatusOf(err) != 409 || time.Since(start) > 500*time.Millisecond {
			t.Fatalf("err = %v after %v, want the 409 at the stop", err, time.Since(start))
		}
		if n := srv.requests(path); n != 1 {
			t.Errorf("%d requests, want 1: no try after the stop", n)
		}
	})

	t.Run("gives up after three", func(t *testing.T) {
		c, srv := client(t, []string{"409"}, time.Millisecond)
		_, err := c.DynoCreate(context.Background(), "my-app", DynoRequest{Command: "true"})
		if StatusOf(err) != 409 {
			t.Fatalf("err = %v, want the 409", err)
		}
		if n := srv.requests(path); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
	})

	t.Run("a stop ends the wait", func(t *testing.T) {
		c, srv := client(t, []string{"409", "201"}, time.Minute)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.DynoCreate(ctx, "my-app", DynoRequest{Command: "true"})
		if StatusOf(err) != 409 {
			t.Fatalf("err = %v, want the 409", err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("returned after %v: the wait outlived the stop", took)
		}
		if n := srv.requests(path); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
}
