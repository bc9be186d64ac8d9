package herokusim

import (
	"net/http"
	"strings"
	"time"
)

// logSession is a logplex session on one dyno's log. Like logplex, a tail
// session stays open after the dyno ended: a client that waits for its end
// waits forever.
type logSession struct {
	ID, dyno  string
	app       *app
	tail      bool
	CreatedAt time.Time
}

func (s *Server) postLogSession(w http.ResponseWriter, r *http.Request, a *app) {
	var body struct {
		DynoName *string `json:"dyno_name"`
		Lines    *int    `json:"lines"`
		Source   *string `json:"source"`
		Tail     *bool   `json:"tail"`
		Type     *string `json:"type"`
	}
	if !decodeStrict(w, r, &body) {
		return
	}
	if body.DynoName == nil {
		apiError(w, 422, "invalid_params", "herokusim: log sessions are simulated for one dyno (dyno_name) only")
		return
	}
	if body.Lines != nil && (*body.Lines < 1 || *body.Lines > 1500) {
		apiError(w, 422, "invalid_params", "lines must be between 1 and 1500")
		return
	}
	s.mu.Lock()
	ls := &logSession{ID: s.id('6'), dyno: *body.DynoName, app: a, tail: body.Tail != nil && *body.Tail, CreatedAt: s.now().UTC()}
	s.logSessions[ls.ID] = ls
	s.mu.Unlock()
	writeJSON(w, 201, map[string]any{
		"id": ls.ID, "created_at": ls.CreatedAt, "updated_at": ls.CreatedAt,
		// Like logplex's, the URL carries its credential in the query.
		"logplex_url": "http://" + r.Host + "/logs/" + ls.ID + "?srv=" + s.sign("logs", ls.ID),
	})
}

// serveLogs streams a session's lines: the dyno's log so far, then, for a
// tail session, what it writes next, until the client leaves.
func (s *Server) serveLogs(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	ls := s.logSessions[id]
	var log *stream
	if ls != nil {
		for _, d := range ls.app.dynos {
			if d.Name == ls.dyno {
				log = d.log
			}
		}
	}
	s.mu.Unlock()
	if ls == nil || r.URL.Query().Get("srv") != s.sign("logs", id) {
		http.Error(w, "Not Found", 404)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(200)
	flusher, _ := w.(http.Flusher)
	if log == nil {
		return
	}
	sent := 0
	for {
		log.mu.Lock()
		chunk, closed, changed := log.data[sent:], log.closed, log.changed
		log.mu.Unlock()
		if len(chunk) > 0 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			sent += len(chunk)
			if flusher != nil {
				flusher.Flush()
			}
			continue
		}
		if closed || !ls.tail {
			return
		}
		select {
		case <-changed:
		case <-r.Context().Done():
			return
		}
	}
}

// logsPath tells the recorder's checks a log session's URL from the API.
func logsPath(p string) bool { return strings.HasPrefix(p, "/logs/") }
