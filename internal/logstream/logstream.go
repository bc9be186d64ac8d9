// Package logstream follows a Heroku build or release output stream (busl):
// it waits out the window in which the stream is not registered yet, strips
// the NUL bytes busl sends as keepalives, and resumes a dropped connection
// with a Range header so no byte is lost or repeated.
package logstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	// MaxReconnects bounds resumptions after a dropped connection [20].
	MaxReconnects int
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
}

// Follow copies the stream at url to w until its producer closes it.
// Errors never contain the URL.
func Follow(ctx context.Context, url string, w io.Writer, opts Options) error {
	opts.defaults()
	var written int64
	start := time.Now()
	reconnects := 0
	for {
		n, done, err := attempt(ctx, url, written, w, opts.Client)
		written += n
		switch {
		case done:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, errNotFound):
			if written > 0 || time.Since(start) >= opts.NotFoundWindow {
				if written > 0 {
					return nil // expired after we read it: nothing more will come
				}
				return ErrNotRegistered
			}
		case errors.Is(err, errWriter):
			return err
		default:
			if n == 0 {
				reconnects++
			} else {
				reconnects = 0 // progress was made: a fresh budget
			}
			if reconnects > opts.MaxReconnects {
				return fmt.Errorf("output stream: %w", err)
			}
		}
		if err := pause.For(ctx, opts.RetryWait); err != nil {
			return err
		}
	}
}

var (
	errNotFound = errors.New("stream not found")
	errWriter   = errors.New("writing output")
)

// attempt reads the stream once from offset. done means the producer ended
// the stream cleanly.
func attempt(ctx context.Context, url string, offset int64, w io.Writer, c *http.Client) (n int64, done bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, false, fmt.Errorf("output stream URL is malformed")
	}
	if offset > 0 {
		// busl reads "N-"; a "bytes=" prefix would make it start over.
		req.Header.Set("Range", strconv.FormatInt(offset, 10)+"-")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusPartialContent:
	case http.StatusNotFound:
		return 0, false, errNotFound
	case http.StatusNoContent, http.StatusRequestedRangeNotSatisfiable:
		return 0, offset > 0, fmt.Errorf("output stream answered %s", resp.Status)
	default:
		return 0, false, fmt.Errorf("output stream answered %s", resp.Status)
	}
	sw := &stripWriter{w: w}
	_, err = io.Copy(sw, resp.Body)
	if sw.err != nil {
		return sw.n, false, fmt.Errorf("%w: %v", errWriter, sw.err)
	}
	if err != nil {
		return sw.n, false, err // dropped: resume from the new offset
	}
	return sw.n, true, nil
}

// stripWriter drops NUL keepalives and counts what it passes on: busl's
// Range offsets count stored bytes, and keepalives are not stored.
type stripWriter struct {
	w   io.Writer
	n   int64
	err error
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
