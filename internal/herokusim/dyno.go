package herokusim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim/dynoshell"
	"gitlab.com/heroku-deploy/heroku/internal/herokusim/rendezvous"
)

// dyno is a one-off dyno. Attached, it waits for its client on the
// rendezvous server and runs its command there; detached, it runs at once
// and writes its output to its log. Either way it runs the little shell of
// dynoshell, ends at time_to_live or on a stop, and is gone (404) once its
// process ended, as one-off dynos are on Heroku.
type dyno struct {
	ID, Name, Command, Size, secret string
	Attach, TTY                     bool
	TTL                             int
	Env                             map[string]string
	app                             *app
	release                         *release
	log                             *stream // logplex lines: "TIME SOURCE[NAME]: text"
	CreatedAt, UpdatedAt            time.Time

	mu     sync.Mutex
	State  string // starting, up; then complete, crashed, stopped or expired
	Status int    // the process's exit status, -1 while it runs or if it was killed
	kill   chan struct{}
	killed string
	conn   net.Conn
	ttl    *time.Timer
}

var dynoSizeRE = regexp.MustCompile(`(?i)^(eco|basic|standard-[12]x|performance-(m|l|l-ram|xl|2xl)|private-[sml]|shield-[sml])$`)

func (s *Server) postDyno(w http.ResponseWriter, r *http.Request, a *app) {
	var body struct {
		Command    string            `json:"command"`
		Attach     *bool             `json:"attach"`
		Env        map[string]string `json:"env"`
		ForceNoTTY *bool             `json:"force_no_tty"`
		Size       *string           `json:"size"`
		Type       *string           `json:"type"`
		TimeToLive *int              `json:"time_to_live"`
	}
	if !decodeStrict(w, r, &body) {
		return
	}
	switch {
	case strings.TrimSpace(body.Command) == "":
		apiError(w, 422, "invalid_params", "Missing required params: command")
		return
	case body.Size != nil && !dynoSizeRE.MatchString(*body.Size):
		apiError(w, 422, "invalid_params", "Invalid dyno size: "+*body.Size)
		return
	case body.TimeToLive != nil && (*body.TimeToLive < 1 || *body.TimeToLive > 86400):
		apiError(w, 422, "invalid_params", "time_to_live must be between 1 and 86400 seconds")
		return
	}
	d := &dyno{
		Command: body.Command, Size: "Basic", Env: body.Env, TTL: 86400,
		Attach: body.Attach != nil && *body.Attach, TTY: body.ForceNoTTY == nil || !*body.ForceNoTTY,
		app: a, State: "starting", Status: -1, kill: make(chan struct{}),
	}
	if body.Size != nil {
		d.Size = *body.Size
	}
	if body.TimeToLive != nil {
		d.TTL = *body.TimeToLive
	}
	if d.Attach {
		if err := s.rdv.Start(); err != nil {
			apiError(w, 503, "service_unavailable", "rendezvous: "+err.Error())
			return
		}
	}
	s.mu.Lock()
	a.dynoSeq++
	d.ID, d.Name = s.id('e'), fmt.Sprintf("run.%d", a.dynoSeq)
	d.CreatedAt = s.now().UTC()
	d.UpdatedAt = d.CreatedAt
	d.log = s.newStream(0)
	for _, rel := range a.releases {
		if rel.current {
			d.release = rel
		}
	}
	if d.Attach {
		d.secret = s.sign("rendezvous", d.ID)
		s.attachable[d.secret] = d
	}
	a.dynos = append(a.dynos, d)
	out := s.dynoJSON(d)
	s.mu.Unlock()
	d.ttl = time.AfterFunc(time.Duration(d.TTL)*time.Second, func() { s.killDyno(d, "expired") })
	if !d.Attach {
		go s.runDyno(d, &logWriter{d: d, s: s})
	}
	writeJSON(w, 201, out)
}

// runDyno runs the dyno's process with its output on out.
func (s *Server) runDyno(d *dyno, out io.Writer) {
	d.mu.Lock()
	if d.State != "starting" {
		d.mu.Unlock()
		return // stopped before it started
	}
	d.State = "up"
	d.mu.Unlock()
	s.logf(d, "heroku", "Starting process with command `%s`", d.Command)
	s.logf(d, "heroku", "State changed from starting to up")
	sh := &dynoshell.Shell{Env: d.environment(), Out: out, Kill: d.kill, Fir: d.app.Fir}
	status, err := 0, error(nil)
	if d.app.Fir && !strings.HasPrefix(d.Command, "launcher ") {
		// Without launcher a Fir dyno has none of the app's environment.
		fmt.Fprintln(out, "herokusim: a Fir dyno runs commands through launcher; this one did not")
		status = 127
	} else {
		status, err = sh.Run(d.Command)
	}
	if lw, ok := out.(*logWriter); ok {
		lw.flush()
	}
	d.mu.Lock()
	switch {
	case errors.Is(err, dynoshell.ErrCrash):
		d.State = "crashed"
		d.mu.Unlock()
		s.logf(d, "heroku", "Process exited with status 137")
		s.logf(d, "heroku", "State changed from up to crashed")
	case errors.Is(err, dynoshell.ErrKilled):
		d.mu.Unlock() // killDyno logged it
	default:
		d.State, d.Status = "complete", status
		d.mu.Unlock()
		s.logf(d, "heroku", "Process exited with status %d", status)
		s.logf(d, "heroku", "State changed from up to complete")
	}
	d.ttl.Stop()
}

// wasKilled: a stop or the time_to_live ended the dyno.
func (d *dyno) wasKilled() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.killed != ""
}

// killDyno ends a dyno that has not ended: a stop, or its time_to_live.
func (s *Server) killDyno(d *dyno, why string) bool {
	d.mu.Lock()
	if d.State != "starting" && d.State != "up" {
		d.mu.Unlock()
		return false
	}
	wasUp := d.State == "up"
	d.State, d.killed = why, why
	close(d.kill)
	if d.conn != nil {
		d.conn.Close()
	}
	d.mu.Unlock()
	s.mu.Lock()
	delete(s.attachable, d.secret)
	s.mu.Unlock()
	if why == "expired" {
		s.logf(d, "heroku", "Error R22 (time_to_live reached) -> Stopping process")
	} else {
		s.logf(d, "heroku", "Stopping all processes with SIGTERM")
	}
	if wasUp {
		s.logf(d, "heroku", "Process exited with status 143")
	}
	s.logf(d, "heroku", "State changed from %s to down", map[bool]string{true: "up", false: "starting"}[wasUp])
	return true
}

// RendezvousCA returns the PEM certificate of the CA that signed the
// rendezvous server's certificate, starting the server if needed.
func (s *Server) RendezvousCA() ([]byte, error) { return s.rdv.CA() }

// claimDyno is the rendezvous server's Claim: the attached dyno a secret
// names, which a secret attaches once.
func (s *Server) claimDyno(secret string) rendezvous.Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.attachable[secret]
	if d == nil {
		return nil
	}
	delete(s.attachable, secret)
	return attached{s, d}
}

// attached is a dyno as the rendezvous server runs it.
type attached struct {
	s *Server
	d *dyno
}

func (a attached) Attach(c net.Conn) {
	a.d.mu.Lock()
	defer a.d.mu.Unlock()
	a.d.conn = c
}

func (a attached) Run(out io.Writer) { a.s.runDyno(a.d, out) }
func (a attached) TTY() bool         { return a.d.TTY }
func (a attached) Killed() bool      { return a.d.wasKilled() }

// ended: one-off dynos leave the API once their process ended.
func (d *dyno) ended() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.State != "starting" && d.State != "up"
}

// environment is what the dyno's process sees: the app's config vars, then
// the dyno's own env.
func (d *dyno) environment() map[string]string {
	env := map[string]string{"DYNO": d.Name, "PORT": "5000"}
	for k, v := range d.app.config {
		env[k] = v
	}
	for k, v := range d.Env {
		env[k] = v
	}
	return env
}

func (s *Server) findDyno(w http.ResponseWriter, a *app, ident string) *dyno {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range a.dynos {
		if (d.ID == ident || d.Name == ident) && !d.ended() {
			return d
		}
	}
	apiError(w, 404, "not_found", "Couldn't find that process.")
	return nil
}

func (s *Server) getDyno(w http.ResponseWriter, r *http.Request, a *app) {
	if d := s.findDyno(w, a, r.PathValue("id")); d != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		writeJSON(w, 200, s.dynoJSON(d))
	}
}

func (s *Server) listDynos(w http.ResponseWriter, r *http.Request, a *app) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []any{}
	for _, d := range a.dynos {
		if !d.ended() {
			out = append(out, s.dynoJSON(d))
		}
	}
	writeJSON(w, 200, out)
}

// stopDyno is POST …/dynos/{id}/actions/stop: 202 with an empty body,
// which Heroku may send (an empty object is the kinder case).
func (s *Server) stopDyno(w http.ResponseWriter, r *http.Request, a *app) {
	if d := s.findDyno(w, a, r.PathValue("id")); d != nil {
		s.killDyno(d, "stopped")
		w.WriteHeader(http.StatusAccepted)
	}
}

func (s *Server) dynoJSON(d *dyno) map[string]any {
	var attach, rel any
	if d.Attach {
		scheme := "rendezvous"
		if s.opts.Rendezvous == "https" {
			scheme = "https"
		}
		attach = scheme + "://" + s.rdv.Addr() + "/" + d.secret
	}
	if d.release != nil {
		rel = map[string]any{"id": d.release.ID, "version": d.release.Version}
	}
	d.mu.Lock()
	state := d.State
	d.mu.Unlock()
	return map[string]any{
		"id": d.ID, "name": d.Name, "command": d.Command, "type": "run", "size": d.Size, "state": state,
		"attach_url": attach, "release": rel, "app": map[string]string{"id": d.app.ID, "name": d.app.Name},
		"created_at": d.CreatedAt, "updated_at": d.UpdatedAt,
	}
}

// logf adds a line to the dyno's log, as logplex shows it.
func (s *Server) logf(d *dyno, source, format string, args ...any) {
	d.log.write(fmt.Sprintf("%s %s[%s]: %s\n", s.now().UTC().Format("2006-01-02T15:04:05.000000-07:00"), source, d.Name, fmt.Sprintf(format, args...)))
}

// logWriter turns a detached process's output into log lines.
type logWriter struct {
	s   *Server
	d   *dyno
	buf []byte
}

func (l *logWriter) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.s.logf(l.d, "app", "%s", l.buf[:i])
		l.buf = l.buf[i+1:]
	}
}

func (l *logWriter) flush() {
	if len(l.buf) > 0 {
		l.s.logf(l.d, "app", "%s", l.buf)
		l.buf = nil
	}
}
