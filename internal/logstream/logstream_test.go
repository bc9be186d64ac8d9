package logstream

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeStream serves content (without keepalives) as a busl stream would:
// 404 for the first notFound requests, NULs spliced in every keepEvery bytes,
// and the connection cut after cut[i] bytes on the i-th successful request.
type fakeStream struct {
	content     []byte
	notFound    int
	keepEvery   int
	cuts        []int
	ranges      []string
	requests    int
	ignoreRange bool // answer every request from byte 0, as a server that ignores Range
}

func (f *fakeStream) RoundTrip(req *http.Request) (*http.Response, error) {
	f.requests++
	if f.notFound > 0 {
		f.notFound--
		return &http.Response{StatusCode: 404, Body: io.NopCloser(strings.NewReader("Channel is not registered.")), Request: req}, nil
	}
	rng := req.Header.Get("Range")
	f.ranges = append(f.ranges, rng)
	off := 0
	if rng != "" && !f.ignoreRange {
		off, _ = strconv.Atoi(strings.TrimSuffix(rng, "-"))
	}
	if off > len(f.content) {
		return &http.Response{StatusCode: 416, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
	}
	rest := f.content[off:]
	var body io.Reader
	if len(f.cuts) > 0 {
		c := min(f.cuts[0], len(rest))
		f.cuts = f.cuts[1:]
		body = io.MultiReader(bytes.NewReader(withKeepalives(rest[:c], f.keepEvery)), errReader{io.ErrUnexpectedEOF})
	} else {
		body = bytes.NewReader(withKeepalives(rest, f.keepEvery))
	}
	return &http.Response{StatusCode: 200, Body: io.NopCloser(body), Request: req}, nil
}

func withKeepalives(b []byte, every int) []byte {
	if every <= 0 {
		return b
	}
	var out []byte
	for i, c := range b {
		if i%every == 0 {
			out = append(out, 0, 0)
		}
		out = append(out, c)
	}
	return append(out, 0)
}

func follow(t *testing.T, f *fakeStream, opts Options) (string, error) {
	t.Helper()
	opts.Client = &http.Client{Transport: f}
	if opts.RetryWait == 0 {
		opts.RetryWait = time.Millisecond
	}
	var out bytes.Buffer
	err := Follow(context.Background(), "https://stream.example/x?sig=SECRET", &out, opts)
	return out.String(), err
}

func TestResumeNoLossNoRepeat(t *testing.T) {
	content := "-----> Building\nline 2\nline 3 is longer than the rest\n-----> Done\n"
	f := &fakeStream{content: []byte(content), notFound: 3, keepEvery: 5, cuts: []int{7, 0, 13}}
	got, err := follow(t, f, Options{NotFoundWindow: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if got != content {
		t.Fatalf("got %q, want %q", got, content)
	}
	want := []string{"", "7-", "7-", "20-"}
	if strings.Join(f.ranges, ",") != strings.Join(want, ",") {
		t.Fatalf("ranges %q, want %q", f.ranges, want)
	}
}

func TestNotRegistered(t *testing.T) {
	f := &fakeStream{content: []byte("x"), notFound: 1 << 30}
	_, err := follow(t, f, Options{NotFoundWindow: 20 * time.Millisecond})
	if !errors.Is(err, ErrNotRegistered) {
		t.Fatalf("got %v, want ErrNotRegistered", err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Fatal("error leaks the URL")
	}
}

func TestGivesUpAfterReconnects(t *testing.T) {
	f := &fakeStream{content: []byte("abc"), cuts: []int{0, 0, 0, 0, 0}}
	_, err := follow(t, f, Options{MaxReconnects: 3})
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("got %v, want a redacted error", err)
	}
}

// TestNotifies: every reconnection is told with its attempt count, a long
// 404 once, and neither carries the URL.
func TestNotifies(t *testing.T) {
	var said []string
	notify := func(m string) { said = append(said, m) }
	f := &fakeStream{content: []byte("abcd"), cuts: []int{0, 0, 1, 0}}
	if _, err := follow(t, f, Options{MaxReconnects: 3, Notify: notify}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"output stream: unexpected EOF; reconnecting (attempt 1 of 3, next in 1ms)",
		"output stream: unexpected EOF; reconnecting (attempt 2 of 3, next in 1ms)",
		"output stream: unexpected EOF; reconnecting (attempt 1 of 3, next in 1ms)", // progress: a fresh budget
		"output stream: unexpected EOF; reconnecting (attempt 2 of 3, next in 1ms)",
	}
	if strings.Join(said, "\n") != strings.Join(want, "\n") {
		t.Fatalf("told %q, want %q", said, want)
	}

	said = nil
	f = &fakeStream{content: []byte("x"), notFound: 1 << 30}
	follow(t, f, Options{NotFoundWindow: 60 * time.Millisecond, Notify: notify})
	if len(said) != 1 || said[0] != "output stream not registered yet (404); waiting up to 60ms for it" {
		t.Fatalf("told %q, want one wait notice", said)
	}
	if strings.Contains(strings.Join(said, ""), "SECRET") {
		t.Fatal("a notice leaks the URL")
	}
}

func TestCancel(t *testing.T) {
	f := &fakeStream{content: []byte("x"), notFound: 1 << 30}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := Follow(ctx, "https://s/x", io.Discard, Options{Client: &http.Client{Transport: f}, RetryWait: time.Millisecond, NotFoundWindow: time.Hour})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
}

// TestResumeFromAServerThatIgnoresRange: a resumption answered from byte 0
// (200, no Content-Range) is recognised by the stream's first bytes, and
// what was shown already is not shown again.
func TestResumeFromAServerThatIgnoresRange(t *testing.T) {
	content := "-----> Building on the Heroku-24 stack\n" + strings.Repeat("       added a package\n", 20) + "-----> Build succeeded!\n"
	f := &fakeStream{content: []byte(content), keepEvery: 7, cuts: []int{300, 10, 400}, ignoreRange: true}
	got, err := follow(t, f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got != content {
		t.Fatalf("got %q, want %q", got, content)
	}
}

// TestEndOfStream204: busl answers 204 when there is nothing at the offset
// and the stream has ended, at offset 0 too (an empty log).
func TestEndOfStream204(t *testing.T) {
	c := &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 204, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
	})}
	if err := Follow(context.Background(), "https://s/x", io.Discard, Options{Client: c, RetryWait: time.Millisecond}); err != nil {
		t.Fatalf("204: %v, want the end of the stream", err)
	}
}

// TestQuietConnectionIsResumed: a connection that delivers nothing, not
// even keepalives, is dropped and resumed from its offset.
func TestQuietConnectionIsResumed(t *testing.T) {
	var calls int
	c := &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
		calls++
		if calls == 1 {
			// "line 1\n", then silence until the client gives up on it.
			body := io.MultiReader(strings.NewReader("line 1\n"), ctxReader{req.Context()})
			return &http.Response{StatusCode: 200, Body: io.NopCloser(body), Request: req}, nil
		}
		if req.Header.Get("Range") != "7-" {
			t.Errorf("resumed with Range %q, want 7-", req.Header.Get("Range"))
		}
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("line 2\n")), Request: req}, nil
	})}
	var out bytes.Buffer
	err := Follow(context.Background(), "https://s/x", &out, Options{Client: c, RetryWait: time.Millisecond, Quiet: 50 * time.Millisecond})
	if err != nil || out.String() != "line 1\nline 2\n" {
		t.Fatalf("got %q, %v", out.String(), err)
	}
}

// TestErrorsCarryNoURL: net/http quotes the whole URL in its errors; the
// stream's signature must not reach a warning.
func TestErrorsCarryNoURL(t *testing.T) {
	c := &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
		return nil, errors.New("connection refused")
	})}
	err := Follow(context.Background(), "https://s/x?X-Amz-Signature=SECRET", io.Discard, Options{Client: c, RetryWait: time.Microsecond, MaxReconnects: 2})
	if err == nil || strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "https://") {
		t.Fatalf("got %v, want an error without the URL", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// ctxReader blocks until its context ends.
type ctxReader struct{ ctx context.Context }

func (c ctxReader) Read([]byte) (int, error) { <-c.ctx.Done(); return 0, c.ctx.Err() }

// FuzzFollow cuts the connection at arbitrary points and splices keepalives
// anywhere: the output must always be the content, once, without NULs.
func FuzzFollow(f *testing.F) {
	f.Add([]byte("line one\nline two\n"), uint8(3), []byte{4, 0, 9})
	f.Add([]byte("no newline at end"), uint8(0), []byte{1, 1, 1, 1})
	f.Add([]byte("\n\n\n"), uint8(1), []byte{})
	f.Fuzz(func(t *testing.T, content []byte, keepEvery uint8, cuts []byte) {
		content = bytes.ReplaceAll(content, []byte{0}, nil) // busl never stores NULs
		// Each cut costs a reconnect wait: past a few dozen, inputs only
		// slow the fuzzer down without reaching new states.
		var c []int
		for _, b := range cuts[:min(len(cuts), 48)] {
			c = append(c, int(b%32))
		}
		if len(content) > 256 && bytes.Contains(content[1:], content[:256]) {
			t.Skip("a log that repeats its first 256 bytes is the one a restart check cannot tell apart")
		}
		fs := &fakeStream{content: content, keepEvery: int(keepEvery % 16), cuts: c}
		got, err := follow(t, fs, Options{MaxReconnects: len(c) + 1, RetryWait: time.Microsecond})
		if err != nil {
			t.Fatal(err)
		}
		if got != string(content) {
			t.Fatalf("got %q, want %q", got, content)
		}
	})
}
