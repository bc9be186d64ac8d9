// Package logstream follows a Heroku build or release output stream (busl):
// it waits out the window in which the stream is not registered yet, strips
// the NUL bytes busl sends as keepalives, resumes a dropped or silent
// connection with a Range header so no byte is lost or repeated, and never
// puts the stream's signed URL in an error.
package logstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/pause"
)

// ErrNotRegistered means the stream still answered 404 when the wait for it
// ran out.
var ErrNotRegistered = errors.New("output stream was never registered")

// Options tune Follow. Zero values take the defaults in brackets.
type Options struct {
	Client *http.Client // must not add credentials [http.DefaultClient]
	// NotFoundWindow is how long a 404 "Channel is not registered" is
	// taken to mean "not yet" [30s, what the Heroku CLI waits].
	NotFoundWindow time.Duration
	// RetryWait separates attempts [1s].
	RetryWait time.Duration
	// MaxReconnects bounds resumptions in a row that brought nothing [20].
	MaxReconnects int
	// Quiet is how long a connection may deliver nothing, not even a
	// keepalive, before it is taken for dead and resumed [60s]: busl sends
	// a keepalive on idle streams, so silence means a lost connection.
	Quiet time.Duration
	// Notify, if set, hears of a wait or a reconnection as it starts: a
	// 404 that outlasts a sixth of NotFoundWindow, once, and every
	// reconnection, with its attempt count.
	Notify func(string)
}

func (o *Options) defaults() {
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	if o.NotFoundWindow == 0 {
		o.NotFoundWindow = 30 * time.Second
	}
	if o.RetryWait == 0 {
		o.RetryWait = time.Second
	}
	if o.MaxReconnects == 0 {
		o.MaxReconnects = 20
	}
	if o.Quiet == 0 {
		o.Quiet = 60 * time.Second
	}
	if o.Notify == nil {
		o.Notify = func(string) {}
	}
}

// headLen is how much of the stream's start is kept, to recognise a server
// that answers a resumption from the start instead of the offset.
const headLen = 256

// follower is one Follow call's state.
type follower struct {
	url     string
	w       io.Writer
	opts    Options
	written int64  // bytes passed on: busl's Range offsets count stored bytes, which exclude keepalives
	head    []byte // the stream's first bytes
}

// Follow copies the stream at url to w until its producer closes it.
// Errors never contain the URL.
func Follow(ctx context.Context, url string, w io.Writer, opts Options) error {
	opts.defaults()
	f := &follower{url: url, w: w, opts: opts}
	start := time.Now()
	reconnects := 0
	waitSaid := false
	for {
		before := f.written
		done, err := f.attempt(ctx)
		switch {
		case done:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, errNotFound):
			if f.written > 0 {
				return nil // expired after we read it: nothing more will come
			}
			waited := time.Since(start)
			if waited >= opts.NotFoundWindow {
				return ErrNotRegistered
			}
			// A short 404 is normal at a stream's start; a long one is news.
			if !waitSaid && waited >= opts.NotFoundWindow/6 {
				waitSaid = true
				opts.Notify(fmt.Sprintf("output stream not registered yet (404); waiting up to %s for it", opts.NotFoundWindow))
			}
		case errors.Is(err, errWriter):
			return err
		default:
			// reconnects numbers the next reconnection in a streak that
			// brought nothing; one after progress is the first again.
			if f.written == before {
				reconnects++
			} else {
				reconnects = 1
			}
			if reconnects > opts.MaxReconnects {
				return fmt.Errorf("output stream: %w", err)
			}
			opts.Notify(fmt.Sprintf("output stream: %v; reconnecting (attempt %d of %d, next in %s)", err, reconnects, opts.MaxReconnects, opts.RetryWait))
		}
		if err := pause.For(ctx, opts.RetryWait); err != nil {
			return err
		}
	}
}

var (
	errNotFound = errors.New("stream not found")
	errWriter   = errors.New("writing output")
	errQuiet    = errors.New("the connection went quiet")
)

// attempt reads the stream once from the current offset. done means the
// producer ended the stream cleanly.
func (f *follower) attempt(ctx context.Context) (done bool, err error) {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(actx, http.MethodGet, f.url, nil)
	if err != nil {
		return false, fmt.Errorf("output stream URL is malformed")
	}
	offset := f.written
	if offset > 0 {
		// busl reads "N-"; a "bytes=" prefix would make it start over.
		req.Header.Set("Range", strconv.FormatInt(offset, 10)+"-")
	}
	resp, err := f.opts.Client.Do(req)
	if err != nil {
		return false, withoutURL(err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusPartialContent:
	case http.StatusNotFound:
		return false, errNotFound
	case http.StatusNoContent:
		return true, nil // busl: nothing (more) at this offset, and the stream has ended
	case http.StatusRequestedRangeNotSatisfiable:
		if offset > 0 {
			return true, nil // we hold every byte there is
		}
		return false, fmt.Errorf("output stream answered %s", resp.Status)
	default:
		return false, fmt.Errorf("output stream answered %s", resp.Status)
	}
	// A watchdog drops a connection that delivers nothing for too long.
	watchdog := time.AfterFunc(f.opts.Quiet, func() { cancel(errQuiet) })
	defer watchdog.Stop()
	body := &watchedReader{r: resp.Body, reset: func() { watchdog.Reset(f.opts.Quiet) }}
	sw := &stripWriter{w: f.w, head: &f.head}
	var src io.Reader = body
	if offset > 0 && resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Range") == "" {
		src, err = f.skipRestart(body, offset)
		if err != nil {
			return false, f.readErr(actx, err)
		}
	}
	_, err = io.Copy(sw, src)
	f.written += sw.n
	if sw.err != nil {
		return false, fmt.Errorf("%w: %v", errWriter, sw.err)
	}
	if err != nil {
		return false, f.readErr(actx, err) // dropped: resume from the new offset
	}
	return true, nil
}

func (f *follower) readErr(actx context.Context, err error) error {
	if errors.Is(context.Cause(actx), errQuiet) {
		return errQuiet
	}
	return withoutURL(err)
}

// skipRestart handles a resumption answered with 200 and no Content-Range.
// busl answers a Range request that way with the bytes from the offset on;
// a server that ignores Range sends the stream from its start. Which one it
// is shows in the first bytes: the stream's own first 256 bytes mean a
// restart, and the offset's worth already shown is skipped, so no line
// repeats. (A log whose first 256 bytes recur exactly at a resumption point
// would lose lines; a build log starts with its own build's header.)
func (f *follower) skipRestart(body io.Reader, offset int64) (io.Reader, error) {
	// Only a full head tells a restart from a log that repeats its own
	// first bytes; busl itself always honours the offset.
	want := f.head
	if len(want) < headLen {
		return body, nil
	}
	clean := &nulReader{r: body} // offsets count stored bytes: no keepalives
	got := make([]byte, 0, len(want))
	var err error
	for len(got) < len(want) && err == nil {
		var n int
		n, err = clean.Read(got[len(got):cap(got)])
		got = got[:len(got)+n]
	}
	switch {
	case !bytes.Equal(got, want[:len(got)]):
		// Not the stream's start: the offset was honoured.
		return io.MultiReader(bytes.NewReader(got), errAfter(err), clean), nil
	case err == io.EOF:
		// A restart would send at least offset bytes: this is the tail.
		return bytes.NewReader(got), nil
	case err != nil:
		return nil, err // dropped before it could tell: resume again
	}
	if _, err := io.CopyN(io.Discard, clean, offset-int64(len(got))); err != nil {
		return nil, err
	}
	return clean, nil
}

// errAfter is a reader that fails with err, or ends when err is nil.
func errAfter(err error) io.Reader {
	if err == nil {
		return bytes.NewReader(nil)
	}
	return errReader{err}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// nulReader drops NUL keepalives from r.
type nulReader struct{ r io.Reader }

func (n *nulReader) Read(p []byte) (int, error) {
	for {
		m, err := n.r.Read(p)
		kept := p[:0]
		for _, c := range p[:m] {
			if c != 0 {
				kept = append(kept, c)
			}
		}
		if len(kept) > 0 || err != nil {
			return len(kept), err
		}
	}
}

// withoutURL drops the *url.Error wrapper net/http puts around a failure:
// it quotes the whole URL, signature included.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// watchedReader reports every read that brought bytes.
type watchedReader struct {
	r     io.Reader
	reset func()
}

func (w *watchedReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if n > 0 {
		w.reset()
	}
	return n, err
}

// stripWriter drops NUL keepalives and counts what it passes on; it keeps
// the first headLen bytes of the stream in head when given one.
type stripWriter struct {
	w    io.Writer
	n    int64
	err  error
	head *[]byte
}

func (s *stripWriter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, 0)
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if len(chunk) > 0 {
			if s.head != nil && len(*s.head) < headLen {
				*s.head = append(*s.head, chunk[:min(len(chunk), headLen-len(*s.head))]...)
			}
			m, err := s.w.Write(chunk)
			s.n += int64(m)
			if err != nil {
				s.err = err
				return total, err
			}
		}
		if i < 0 {
			break
		}
		p = p[i+1:]
	}
	return total, nil
}
