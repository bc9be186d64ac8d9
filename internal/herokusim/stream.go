package herokusim

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/fault"
)

// stream is a busl channel: an append-only byte log that readers follow
// until the producer closes it.
type stream struct {
	id         string
	registered time.Time // 404 before this
	mu         sync.Mutex
	data       []byte
	closed     bool
	changed    chan struct{} // closed and replaced on every append
	dropAfter  int           // fault: cut the next connection after this many bytes (-1 = off)
}

func (s *Server) newStream(window time.Duration) *stream {
	st := &stream{id: s.id('f'), registered: s.now().Add(window), changed: make(chan struct{}), dropAfter: -1}
	s.streams[st.id] = st
	return st
}

func (s *Server) streamURL(host string, st *stream) string {
	// Like busl's URLs, the signature is in the query: a credential.
	return "http://" + host + "/streams/" + st.id + "?X-Amz-Signature=" + s.sign("stream", st.id)
}

func (st *stream) write(p string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return
	}
	st.data = append(st.data, p...)
	close(st.changed)
	st.changed = make(chan struct{})
}

func (st *stream) close() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.closed {
		st.closed = true
		close(st.changed)
	}
}

func (s *Server) serveStream(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	st := s.streams[id]
	now := s.now()
	s.mu.Unlock()
	if st == nil || now.Before(st.registered) || r.URL.Query().Get("X-Amz-Signature") != s.sign("stream", id) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(404)
		w.Write([]byte("Channel is not registered."))
		return
	}
	// busl takes "N-" only; anything else (such as "bytes=N-") reads as 0.
	offset := 0
	if rg := r.Header.Get("Range"); rg != "" {
		if n, err := strconv.Atoi(strings.TrimSuffix(rg, "-")); err == nil && strings.HasSuffix(rg, "-") {
			offset = n
		}
	}
	f := fault.Of(r)
	if f.Has("ignore-range") {
		offset = 0
	}
	st.mu.Lock()
	switch {
	case offset > len(st.data):
		st.mu.Unlock()
		w.WriteHeader(416)
		return
	case st.closed && offset == len(st.data):
		// busl: no content at this offset, and the stream has ended.
		st.mu.Unlock()
		w.WriteHeader(204)
		return
	}
	drop := st.dropAfter
	st.dropAfter = -1
	st.mu.Unlock()

	if f.Has("quiet") {
		// Nothing at all, not even a keepalive: a connection gone dead.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return
	}
	if f != nil && (f.Leak || f.Has("leak-config")) {
		leak := "-----> a build script printed " + s.leakText(r) + "\n"
		if f.Has("leak-config") {
			// One that prints its environment: the app's config vars.
			s.mu.Lock()
			leak = "-----> a build script printed DATABASE_URL=" + s.apps[s.firstApp].config["DATABASE_URL"] + "\n"
			s.mu.Unlock()
		}
		st.mu.Lock()
		st.data = append(st.data[:offset:offset], append([]byte(leak), st.data[offset:]...)...)
		st.mu.Unlock()
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(200)
	flusher, _ := w.(http.Flusher)
	sent := 0
	ticker := time.NewTicker(s.opts.Keepalive)
	defer ticker.Stop()
	for {
		st.mu.Lock()
		chunk := st.data[offset:]
		closed, changed := st.closed, st.changed
		st.mu.Unlock()
		if len(chunk) > 0 {
			if drop >= 0 && sent+len(chunk) > drop {
				w.Write(chunk[:drop-sent])
				if flusher != nil {
					flusher.Flush()
				}
				panic(http.ErrAbortHandler) // cut the connection mid-stream
			}
			if _, err := w.Write(chunk); err != nil {
				return
			}
			offset += len(chunk)
			sent += len(chunk)
			if flusher != nil {
				flusher.Flush()
			}
			continue
		}
		if closed {
			return
		}
		select {
		case <-changed:
		case <-ticker.C:
			if _, err := w.Write([]byte{0}); err != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
		case <-r.Context().Done():
			return
		}
	}
}
