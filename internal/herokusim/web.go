package herokusim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The apps' web side: an app with the web option has its web_url at
// /web/<app>/ on the simulator, which answers what -health scripts for it,
// one step per request, the last step forever:
//
//	NNN        answer this status: 2xx "ok <app> v<current release>", 3xx a
//	           redirect, 4xx/5xx Heroku's Application Error page
//	NNNxK      the same, K times
//	slow=DUR   answer 200 after DUR (or when the client gives up)
//	flap       500, then 200, then 500… forever
//
// e.g. -health 'my-app:503x3,200'. An app created through the API whose
// name -health scripts is served here too. Without -health an app answers
// 200. In maintenance mode it answers 503, whatever the script, as
// Heroku's router does.
// No Authorization may reach it: the API key is not the app's business
// (Problems reports one that does).
type healthSeq struct {
	mu    sync.Mutex
	steps []healthStep
	n     int // requests answered
}

type healthStep struct {
	status int
	times  int           // 0: once; the last step repeats forever anyway
	slow   time.Duration // slow=DUR
	flap   bool
}

// parseHealth reads a -health value: APP:STEP,STEP,...
func parseHealth(s string) (string, *healthSeq, error) {
	name, spec, ok := strings.Cut(s, ":")
	if !ok || !appNameRE.MatchString(name) || spec == "" {
		return "", nil, fmt.Errorf("health %q: want APP:STEP,... (see herokusim -help)", s)
	}
	h := &healthSeq{}
	for _, tok := range strings.Split(spec, ",") {
		var st healthStep
		code, times, hasTimes := strings.Cut(tok, "x")
		switch {
		case tok == "flap":
			st.flap = true
		case strings.HasPrefix(tok, "slow="):
			d, err := time.ParseDuration(strings.TrimPrefix(tok, "slow="))
			if err != nil || d <= 0 {
				return "", nil, fmt.Errorf("health %q: bad step %q", s, tok)
			}
			st.status, st.slow = 200, d
		default:
			n, err := strconv.Atoi(code)
			if err != nil || n < 200 || n > 599 {
				return "", nil, fmt.Errorf("health %q: bad step %q (NNN, NNNxK, slow=DUR or flap)", s, tok)
			}
			st.status = n
			if hasTimes {
				k, err := strconv.Atoi(times)
				if err != nil || k < 1 {
					return "", nil, fmt.Errorf("health %q: bad repeat in %q", s, tok)
				}
				st.times = k - 1
			}
		}
		h.steps = append(h.steps, st)
	}
	return name, h, nil
}

// next returns the step for the next request.
func (h *healthSeq) next() healthStep {
	h.mu.Lock()
	defer h.mu.Unlock()
	i := h.n
	h.n++
	for j, st := range h.steps {
		if j == len(h.steps)-1 {
			if st.flap {
				if i%2 == 0 {
					return healthStep{status: 500}
				}
				return healthStep{status: 200}
			}
			return st
		}
		if i <= st.times {
			return st
		}
		i -= st.times + 1
	}
	return healthStep{status: 200}
}

// applicationError is the page Heroku's router shows for a crashed or
// failing app: long enough that a client must cut it short.
const applicationError = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Application Error</title>
<style media="screen">html,body,iframe{margin:0;padding:0}html,body{height:100%;overflow:hidden}iframe{width:100%;height:100%;border:0}</style>
</head><body><iframe src="//www.herokucdn.com/error-pages/application-error.html"></iframe></body></html>
`

// serveWeb answers an app's web requests (outside the API: no Accept, no
// key).
func (s *Server) serveWeb(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a := s.apps[r.PathValue("app")]
	var version int
	maintenance := a != nil && a.Maintenance
	if a != nil {
		for _, rel := range a.releases {
			if rel.current {
				version = rel.Version
			}
		}
	}
	s.mu.Unlock()
	if a == nil || !a.Web {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(404)
		fmt.Fprint(w, "<html><body>There's nothing here, yet.</body></html>\n")
		return
	}
	if maintenance {
		// Heroku's router answers for an app in maintenance mode.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(503)
		fmt.Fprint(w, "<html><body>Offline for Maintenance</body></html>\n")
		return
	}
	st := healthStep{status: 200}
	if a.health != nil {
		st = a.health.next()
	}
	if st.slow > 0 {
		t := time.NewTimer(st.slow)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case st.status < 300:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(st.status)
		fmt.Fprintf(w, "ok %s v%d\n", a.Name, version)
	case st.status < 400:
		w.Header().Set("Location", "/web/"+a.Name+"/elsewhere")
		w.WriteHeader(st.status)
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(st.status)
		fmt.Fprint(w, applicationError)
	}
}
