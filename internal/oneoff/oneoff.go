// Package oneoff runs a command on a one-off dyno and reports its real exit
// status. The dyno is attached through rendezvous and its output streamed
// live; when the rendezvous port cannot be reached (a firewall on port
// 5000), the command runs detached and its output is read from the app's
// logs. Either way a marker carries the status, a stream that ends without
// it is reported as such, and a stop (timeout or signal) stops the dyno.
package oneoff

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/rendezvous"
	"gitlab.com/heroku-deploy/heroku/internal/rescue"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// Config says what to run.
type Config struct {
	App  string
	Args []string // the command: one shell command line, or words to quote
	Env  map[string]string
	Size string
	// TimeToLive is the dyno's own bound on Heroku, in seconds
	// (TimeToLive, the func).
	TimeToLive int
	// Attach is how to reach the dyno's rendezvous.
	Attach rendezvous.Options
}

// Result is what the command did.
type Result struct {
	Dyno     string // "run.1234"
	Status   int    // the command's exit status
	Detached bool   // the output came from the app's logs
}

// NoStatusError means the output ended without the exit status: the
// dyno crashed, was killed, or the connection dropped. The outcome is
// unknown.
type NoStatusError struct {
	Dyno, Reason string
}

func (e *NoStatusError) Error() string {
	return fmt.Sprintf("no exit status received from dyno %s: %s; the command's outcome is unknown (see the app's logs)", e.Dyno, e.Reason)
}

// logGrace is how long the log may lag behind a dyno that ended: logplex
// delivers lines a moment after they were written.
const logGrace = 3 * time.Second

// Run starts the dyno, streams its output to s.Out and returns its status.
// A stop returns *follow.Stopped after stopping the dyno.
func Run(ctx context.Context, s *session.Session, cfg Config) (*Result, error) {
	app, err := s.Client.AppInfo(ctx, cfg.App)
	if err != nil {
		return nil, fmt.Errorf("look up app %s: %w", cfg.App, err)
	}
	fir := herokuapi.Generation(app) == "fir"
	nonce := newNonce()
	req := herokuapi.DynoRequest{
		Command: wrap(cfg.Args, fir, nonce), Attach: true, Env: cfg.Env, Size: cfg.Size, TimeToLive: cfg.TimeToLive,
	}
	d, err := create(ctx, s, cfg.App, req)
	if err != nil {
		return nil, err
	}
	size := ""
	if d.Size != "" {
		size = ", " + d.Size
	}
	s.Out.Step("Running %s on %s (dyno %s%s)", join(cfg.Args), cfg.App, d.Name, size)

	var conn *rendezvous.Conn
	if d.AttachURL == nil {
		err = fmt.Errorf("%w: Heroku gave none", rendezvous.ErrUnsupported)
	} else {
		// It opens the dyno's input and output, its path included: no
		// line printed may show it.
		s.Register(*d.AttachURL, strings.TrimPrefix(urlPath(*d.AttachURL), "/"))
		conn, err = rendezvous.Dial(ctx, *d.AttachURL, cfg.Attach)
	}
	switch {
	case err == nil:
		return attached(ctx, s, cfg.App, d, conn, nonce)
	case ctx.Err() != nil:
		return nil, stop(ctx, s, cfg.App, d)
	case errors.Is(err, rendezvous.ErrUnreachable) || errors.Is(err, rendezvous.ErrUnsupported):
		msg := fmt.Sprintf("cannot attach to dyno %s: %v", d.Name, err)
		if errors.Is(err, rendezvous.ErrUnsupported) {
			// Not a network fault that may pass: say what happens now.
			msg += "; running the command detached"
		}
		s.Warn(msg)
		stopQuietly(ctx, s, cfg.App, d)
		req.Attach = false
		first := d.Name
		if d, err = create(ctx, s, cfg.App, req); err != nil {
			return nil, err
		}
		s.Out.Step("Running detached on dyno %s instead (%s stopped unused): the output comes from the app's logs", d.Name, first)
		return detached(ctx, s, cfg.App, d, nonce)
	default:
		stopQuietly(ctx, s, cfg.App, d)
		return nil, fmt.Errorf("attach to dyno %s: %w", d.Name, err)
	}
}

// stopBudget bounds what is done after a stop: GitLab Runner waits a little
// after SIGTERM before it kills the job.
const stopBudget = 10 * time.Second

// create starts the dyno. A stop does not abandon the request in flight:
// Heroku may start the dyno anyway, which would then run unseen until its
// time_to_live. The request gets stopBudget to finish, and a dyno it
// started is stopped; no request starts after the stop. An error after a
// stop is the stop's, as everywhere, and says whether a dyno may run.
func create(ctx context.Context, s *session.Session, app string, req herokuapi.DynoRequest) (*herokuapi.Dyno, error) {
	const during = "the dyno to be created"
	if ctx.Err() != nil {
		return nil, follow.StoppedAt(ctx, during, "no dyno was started")
	}
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	defer context.AfterFunc(ctx, func() { time.AfterFunc(stopBudget, cancel) })()
	req.Stop = ctx
	d, err := s.Client.DynoCreate(cctx, app, req)
	switch st := herokuapi.StatusOf(err); {
	case err == nil && ctx.Err() != nil:
		return nil, stop(ctx, s, app, d)
	case err == nil:
		return d, nil
	case ctx.Err() == nil:
		kind := ""
		if !req.Attach {
			kind = "detached "
		}
		return nil, fmt.Errorf("start a %sone-off dyno on %s: %w", kind, app, err)
	case st >= 400 && st < 500:
		return nil, follow.StoppedAt(ctx, during, fmt.Sprintf("no dyno was started (%v)", err))
	}
	return nil, follow.StoppedAt(ctx, during, stopUnseen(ctx, s, app, req.Command, err))
}

// stopUnseen looks for a dyno that a create request whose outcome is
// unknown (err) may have started, by its command (unique: it carries the
// nonce), and stops it.
func stopUnseen(ctx context.Context, s *session.Session, app, command string, err error) string {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopBudget)
	defer cancel()
	list, lerr := s.Client.DynoList(sctx, app)
	if lerr != nil {
		return fmt.Sprintf("the request to start it failed (%v) and the app's dynos could not be listed (%v): if Heroku started it, its time_to_live ends it", err, lerr)
	}
	for i := range list {
		if list[i].Command == command {
			note, _ := stopDyno(sctx, s, app, &list[i])
			return fmt.Sprintf("the request to start it failed (%v), but Heroku started dyno %s: %s", err, list[i].Name, note)
		}
	}
	return fmt.Sprintf("the request to start it failed (%v) and no dyno of it is in the app's list: if Heroku starts one yet, its time_to_live ends it", err)
}

// afterStatus is how long the output is still read once the status came:
// the echo is the last thing the dyno's shell does, and rendezvous closes
// the session when the process ends, but a session that stays open (a
// background process holding the output, a slow teardown) must not keep
// run waiting until --timeout. What a background process prints later is
// lost, as it would be on Heroku once the dyno ends.
const afterStatus = time.Second

// attached streams the dyno's output from rendezvous until it ends, or
// until afterStatus past the status.
func attached(ctx context.Context, s *session.Session, app string, d *herokuapi.Dyno, conn *rendezvous.Conn, nonce string) (*Result, error) {
	defer conn.Close()
	sc := newScanner(s.Out, nonce)
	copied := make(chan error, 1)
	go func() {
		defer rescue.Guard()
		_, err := io.Copy(sc, conn)
		copied <- err
	}()
	var err error
	select {
	case err = <-copied:
	case <-sc.done:
		select {
		case err = <-copied:
		case <-time.After(afterStatus):
			conn.Close() // ends the copy
			<-copied
			err = nil
		}
	}
	sc.Close()
	if st, ok := sc.Status(); ok {
		return &Result{Dyno: d.Name, Status: st}, nil
	}
	if conn.Attached() {
		up := *d
		up.State = "up" // for the stop's message: the process did start
		d = &up
	}
	switch {
	case ctx.Err() != nil:
		return nil, stop(ctx, s, app, d)
	case errors.Is(err, rendezvous.ErrNotAttached):
		stopQuietly(ctx, s, app, d)
		return nil, fmt.Errorf("dyno %s did not start: %w", d.Name, err)
	case err != nil:
		return nil, &NoStatusError{Dyno: d.Name, Reason: fmt.Sprintf("the connection failed (%v)", err)}
	}
	return nil, &NoStatusError{Dyno: d.Name, Reason: "its output ended before the command reported its status"}
}

// detached reads the dyno's output from a log session while the waiting
// engine watches the dyno: the marker gives the status; a dyno gone without
// one is a missing status; a stop stops it. The log session tails forever,
// so the marker, not the session's end, ends the reading.
func detached(ctx context.Context, s *session.Session, app string, d *herokuapi.Dyno, nonce string) (*Result, error) {
	ls, err := s.Client.LogSessionCreate(ctx, app, d.Name)
	if err != nil {
		if ctx.Err() != nil {
			return nil, stop(ctx, s, app, d)
		}
		stopQuietly(ctx, s, app, d)
		return nil, fmt.Errorf("read the logs of dyno %s: %w", d.Name, err)
	}
	sc := newScanner(s.Out, nonce)
	lctx, stopLogs := context.WithCancel(ctx)
	logs := make(chan error, 1)
	go func() {
		defer rescue.Guard()
		logs <- readLog(lctx, s.Client.Plain, ls.LogplexURL, d.Name, sc)
	}()
	var haveStatus atomic.Bool
	wctx, endWait := context.WithCancel(ctx)
	wait := make(chan error, 1)
	go func() {
		defer rescue.Guard()
		_, err := follow.Wait(wctx, s.Wait, job(s, app, d, &haveStatus), d)
		wait <- err
	}()

	noStatus := &NoStatusError{Dyno: d.Name, Reason: "the dyno ended and its log holds no exit status"}
	var res *Result
	var grace <-chan time.Time
loop:
	for {
		select {
		case <-sc.done:
			haveStatus.Store(true) // nothing left to stop
			st, _ := sc.Status()
			res = &Result{Dyno: d.Name, Status: st, Detached: true}
			break loop
		case lerr := <-logs:
			logs = nil
			switch {
			case ctx.Err() != nil:
				continue // the waiting engine reports the stop
			case lerr != nil:
				s.Warn(fmt.Sprintf("the log of dyno %s failed (%v); waiting for the dyno to end", d.Name, lerr))
			}
			if wait == nil {
				err = noStatus
				break loop
			}
		case werr := <-wait:
			wait = nil
			if werr != nil || ctx.Err() != nil {
				err = werr // stopped, or the dyno could not be watched
				break loop
			}
			if logs == nil {
				err = noStatus
				break loop
			}
			grace = time.After(logGrace)
		case <-grace:
			err = noStatus
			break loop
		}
	}
	stopLogs()
	endWait()
	if logs != nil {
		<-logs
	}
	if wait != nil {
		<-wait
	}
	return res, err
}

// job describes the dyno to the waiting engine: final once it crashed, is
// down, or is gone (one-off dynos vanish when they end). Once the status
// arrived (haveStatus), there is nothing left to read or stop.
func job(s *session.Session, app string, d *herokuapi.Dyno, haveStatus *atomic.Bool) follow.Job[*herokuapi.Dyno] {
	gone := func() *herokuapi.Dyno {
		g := *d
		g.State = "gone"
		return &g
	}
	final := func(d *herokuapi.Dyno) bool { return d.State == "crashed" || d.State == "down" || d.State == "gone" }
	return follow.Job[*herokuapi.Dyno]{
		Kind: "dyno", What: "dyno " + d.Name,
		Fetch: func(ctx context.Context) (*herokuapi.Dyno, error) {
			if haveStatus != nil && haveStatus.Load() {
				return gone(), nil
			}
			cur, err := s.Client.DynoInfo(ctx, app, d.ID)
			if herokuapi.Absent(err) {
				return gone(), nil
			}
			return cur, err
		},
		State: func(d *herokuapi.Dyno) string { return d.State },
		Final: final,
		Cancel: func(ctx context.Context, cur *herokuapi.Dyno) string {
			if final(cur) {
				return fmt.Sprintf("dyno %s had already ended (%s)", d.Name, cur.State)
			}
			note, _ := stopDyno(ctx, s, app, d)
			return note
		},
	}
}

// stop stops the dyno after a stop of ctx, as the waiting engine stops
// what it waits for, so a timeout and a signal read as they do everywhere:
// *follow.Stopped.
func stop(ctx context.Context, s *session.Session, app string, d *herokuapi.Dyno) error {
	return follow.Stop(ctx, job(s, app, d, nil), d)
}

// stopQuietly stops a dyno that is of no more use, within a bounded budget
// even when ctx has ended, and warns only if it may still run.
func stopQuietly(ctx context.Context, s *session.Session, app string, d *herokuapi.Dyno) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopBudget)
	defer cancel()
	if note, ok := stopDyno(sctx, s, app, d); !ok {
		s.Warn(note)
	}
}

// stopDyno stops the dyno and says what became of it; ok is false when it
// may still run.
func stopDyno(ctx context.Context, s *session.Session, app string, d *herokuapi.Dyno) (note string, ok bool) {
	err := s.Client.DynoStop(ctx, app, d.ID)
	switch {
	case err == nil:
		return "stopped dyno " + d.Name + " on Heroku", true
	case herokuapi.Absent(err):
		return "dyno " + d.Name + " had already ended", true
	default:
		return fmt.Sprintf("could not stop dyno %s (%v): its time_to_live ends it", d.Name, err), false
	}
}

// logLine is a logplex line: "2026-01-02T03:04:05.000000+00:00 app[run.1]: text".
var logLine = regexp.MustCompile(`^\S+ (\w+)\[([^\]]+)\]: ?(.*)$`)

// readLog copies the command's own lines (source "app", this dyno) of a log
// session to w until the session ends or ctx does. Heroku's lines about the
// dyno are left out: one quotes the whole command, marker included.
func readLog(ctx context.Context, client *http.Client, logURL, dyno string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, logURL, nil)
	if err != nil {
		return fmt.Errorf("log session URL: %w", herokuapi.Clean(err))
	}
	resp, err := client.Do(req)
	if err != nil {
		return herokuapi.Clean(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET log session: %s", resp.Status)
	}
	br := bufio.NewReader(resp.Body)
	for {
		line, err := br.ReadString('\n')
		if m := logLine.FindStringSubmatch(strings.TrimRight(line, "\r\n")); m != nil && m[1] == "app" && m[2] == dyno {
			if _, werr := io.WriteString(w, m[3]+"\n"); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// urlPath is the path of a URL, "" if it has none.
func urlPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Path
}

// maxTTL is Heroku's limit for a dyno's time_to_live; ttlMargin leaves the
// stop at the command's own timeout to heroku-deploy, the time_to_live
// being the bound when heroku-deploy itself is killed.
const (
	maxTTL    = 24 * time.Hour
	ttlMargin = time.Minute
)

// TimeToLive is the time_to_live, in seconds, of a dyno whose command
// heroku-deploy stops after timeout; an error when it is longer than a
// dyno may live.
func TimeToLive(timeout time.Duration) (int, error) {
	if timeout+ttlMargin > maxTTL {
		return 0, fmt.Errorf("a one-off dyno lives at most %s", maxTTL-ttlMargin)
	}
	return int(math.Ceil((timeout + ttlMargin).Seconds())), nil
}
