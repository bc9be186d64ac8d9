package registry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// StalledError is a request that made no progress for Idle: the registry
// stopped answering or reading.
type StalledError struct{ Idle time.Duration }

func (e *StalledError) Error() string {
	return fmt.Sprintf("no progress for %s: the registry stopped answering", e.Idle)
}

// watchdog cancels a request when it has made no progress for idle.
type watchdog struct {
	t     *time.Timer
	idle  time.Duration
	fire  atomic.Bool
	once  sync.Once
	abort func()
}

func newWatchdog(idle time.Duration, abort func()) *watchdog {
	w := &watchdog{idle: idle, abort: abort}
	w.t = time.AfterFunc(idle, func() { w.fire.Store(true); abort() })
	return w
}

func (w *watchdog) poke()       { w.t.Reset(w.idle) }
func (w *watchdog) stop()       { w.once.Do(func() { w.t.Stop() }) }
func (w *watchdog) fired() bool { return w.fire.Load() }

// progressBody pokes the watchdog on every read; done runs once, at EOF,
// error or Close.
type progressBody struct {
	io.ReadCloser
	w    *watchdog
	done func()
	once sync.Once
}

func (b *progressBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.w.poke()
	}
	if err != nil {
		if err != io.EOF && b.w.fired() {
			err = &StalledError{Idle: b.w.idle}
		}
		b.finish()
	}
	return n, err
}

func (b *progressBody) Close() error {
	err := b.ReadCloser.Close()
	b.finish()
	return err
}

func (b *progressBody) finish() {
	if b.done != nil {
		b.once.Do(b.done)
	}
}

// Stats counts what happened to the blobs of the calls made with a context
// from WithStats: blobs found already there, mounted from another
// repository, uploaded (and their bytes), and upload attempts that failed
// and were started again from a new session.
type Stats struct {
	Skipped, Mounted, Uploaded, FailedUploads atomic.Int64
	UploadedBytes                             atomic.Int64
}

type statsKey struct{}

// WithStats returns a context whose registry requests are counted in s.
func WithStats(ctx context.Context, s *Stats) context.Context {
	return context.WithValue(ctx, statsKey{}, s)
}

// record counts a blob request's outcome.
// status is 0 for a request that got no answer.
func record(req *http.Request, status int) {
	s, _ := req.Context().Value(statsKey{}).(*Stats)
	if s == nil {
		return
	}
	p := req.URL.Path
	ok := status/100 == 2
	switch {
	case req.Method == http.MethodHead && strings.Contains(p, "/blobs/sha256:"):
		if status == http.StatusOK {
			s.Skipped.Add(1)
		}
	case req.Method == http.MethodPost && strings.HasSuffix(p, "/blobs/uploads/"):
		if req.URL.Query().Get("mount") != "" && status == http.StatusCreated {
			s.Mounted.Add(1)
		}
		if !ok {
			s.FailedUploads.Add(1)
		}
	case strings.Contains(p, "/blobs/uploads/") && (req.Method == http.MethodPatch || req.Method == http.MethodPut):
		switch {
		case !ok:
			s.FailedUploads.Add(1)
		case req.Method == http.MethodPut:
			s.Uploaded.Add(1)
		}
		if ok && req.ContentLength > 0 {
			s.UploadedBytes.Add(req.ContentLength)
		}
	}
}
