// Package health checks that a released app answers: GET a URL until it
// answers 2xx or 3xx (and carries a text, when asked), with backoff,
// within a time limit. Guard adds what happens when it does not: the app
// is rolled back to the release it ran before.
package health

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/pause"
)

// CheckSpec checks a --health-check value before any request: a path
// ("/healthz", joined to the app's URL) or an http(s) URL.
func CheckSpec(spec string) error {
	if strings.HasPrefix(spec, "/") {
		if strings.ContainsAny(spec, " \t\r\n") {
			return fmt.Errorf("--health-check %q: a path has no whitespace", spec)
		}
		return nil
	}
	u, err := url.Parse(spec)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("--health-check %q is neither a path (/healthz) nor an http(s) URL", herokuapi.Redact(spec))
	}
	if u.User != nil {
		return errors.New("--health-check must not carry credentials in its URL")
	}
	return nil
}

// resolveURL resolves spec against the app's web URL: a path is joined to it.
func resolveURL(spec, webURL string) (string, error) {
	if !strings.HasPrefix(spec, "/") {
		return spec, nil
	}
	if webURL == "" {
		return "", fmt.Errorf("--health-check %s is a path, but the app has no URL to join it to: give a full URL", spec)
	}
	return strings.TrimRight(webURL, "/") + spec, nil
}

// Check is one health check.
type Check struct {
	URL      string
	Contains string        // the body must contain it, if set
	Timeout  time.Duration // for the whole check
	// Wait is the first pause between attempts; it doubles up to 15 times
	// as long [1s].
	Wait time.Duration
	Out  *ciout.Writer
	// Client sends the requests; nil: one that follows no redirect.
	Client *http.Client
	// Maintenance, when set, reads the app's maintenance mode. It is asked
	// after the first 503: Heroku's router answers every request of an app
	// in maintenance mode with 503 and its maintenance page (H80), which
	// says nothing about the release, so the check stops
	// (*InMaintenanceError).
	Maintenance func(context.Context) (bool, error)
}

// InMaintenanceError is a check stopped because the app is in maintenance
// mode: the release could not be checked.
type InMaintenanceError struct{ URL string }

func (e *InMaintenanceError) Error() string {
	return fmt.Sprintf("%s answers 503: the app is in maintenance mode", e.URL)
}

// Failure is a check that never passed. It stops as soon as another
// attempt (its pause and its whole window) would not end within the
// check's time: Took is what it did take.
type Failure struct {
	URL      string
	Attempts int
	Last     string // what the last attempt saw, in short
	Status   int    // the last attempt's HTTP status; 0 without an answer
	Took     time.Duration
	Timeout  time.Duration // --health-check-timeout
}

func (e *Failure) Error() string {
	attempts := "attempts"
	if e.Attempts == 1 {
		attempts = "attempt"
	}
	return fmt.Sprintf("%s did not pass in %s (%d %s; last: %s): another attempt would not end within --health-check-timeout %s",
		e.URL, roundTook(e.Took), e.Attempts, attempts, e.Last, e.Timeout)
}

// roundTook rounds a duration for a message: to 10ms under a second, to
// 100ms above.
func roundTook(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

// attemptLimit bounds one attempt: a tenth of the check's time, at most
// 10 s, so a slow answer leaves room for the next attempts.
func attemptLimit(total time.Duration) time.Duration {
	return min(10*time.Second, max(total/10, 100*time.Millisecond))
}

// noRedirects is the default client: a 3xx is an answer (the app is up),
// and following it could leave the app's host.
var noRedirects = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// Run checks until the URL passes, the check's time runs out (*Failure),
// or ctx ends (its error).
func (c *Check) Run(ctx context.Context) error {
	client := c.Client
	if client == nil {
		client = noRedirects
	}
	wait := c.Wait
	if wait <= 0 {
		wait = time.Second
	}
	shown := herokuapi.Redact(c.URL) // a query may carry a token
	c.Out.Step("Checking health: GET %s (for up to %s)", shown, c.Timeout)
	start := time.Now()
	deadline := start.Add(c.Timeout)
	limit := attemptLimit(c.Timeout)
	asked := false
	for n := 1; ; n++ {
		ok, status, what, brief := c.attempt(ctx, client, min(limit, time.Until(deadline)))
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		c.Out.Step("Health check %d: %s", n, what)
		if ok {
			return nil
		}
		if status == http.StatusServiceUnavailable && c.Maintenance != nil && !asked {
			// Once: a read that fails is asked again only at the end (Guard).
			asked = true
			if on, err := c.Maintenance(ctx); err == nil && on {
				return &InMaintenanceError{URL: shown}
			}
		}
		pauseFor := min(wait<<min(n-1, 4), 15*wait)
		// Only an attempt with its whole window is worth starting: one
		// squeezed by the deadline would end as "no answer within 0s" and
		// hide what the app last said.
		if time.Now().Add(pauseFor + limit).After(deadline) {
			return &Failure{URL: shown, Attempts: n, Last: brief, Status: status, Took: time.Since(start), Timeout: c.Timeout}
		}
		if err := pause.For(ctx, pauseFor); err != nil {
			return context.Cause(ctx)
		}
	}
}

// bodyLimit bounds what is read of an answer; shown is what is printed of
// a failing one.
const (
	bodyLimit = 1 << 20
	shown     = 200
)

// attempt sends one GET and says whether it passed, its status (0
// without an answer), what it saw, and that in short (no body).
func (c *Check) attempt(ctx context.Context, client *http.Client, limit time.Duration) (ok bool, status int, what, brief string) {
	actx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, c.URL, nil)
	if err != nil {
		return false, 0, err.Error(), err.Error()
	}
	req.Header.Set("User-Agent", "heroku-deploy health check")
	resp, err := client.Do(req)
	if err != nil {
		if actx.Err() != nil && ctx.Err() == nil {
			what = fmt.Sprintf("no answer within %s", limit.Round(time.Millisecond))
			return false, 0, what, what
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in the line already
		}
		what = "connection failed: " + err.Error()
		return false, 0, what, what
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, bodyLimit))
	line := fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	switch {
	case resp.StatusCode < 200 || resp.StatusCode >= 400:
		return false, resp.StatusCode, line + describe(resp.Header.Get("Content-Type"), body), line
	case c.Contains != "" && !strings.Contains(string(body), c.Contains):
		brief = fmt.Sprintf("%s, but the body does not contain %q", line, c.Contains)
		return false, resp.StatusCode, brief + describe(resp.Header.Get("Content-Type"), body), brief
	}
	return true, resp.StatusCode, line, line
}

// describe says what a failing answer's body holds, on one line: for an
// HTML page (an error page: Heroku's router, a framework's), its title or,
// without one, its text, never its markup, styles or scripts; else the
// start of the body (excerpt).
func describe(contentType string, body []byte) string {
	start := strings.ToLower(strings.TrimSpace(string(body[:min(len(body), 512)])))
	if !strings.Contains(strings.ToLower(contentType), "html") && !strings.HasPrefix(start, "<!doctype html") && !strings.HasPrefix(start, "<html") {
		return excerpt(body)
	}
	if m := titleRE.FindSubmatch(body); m != nil {
		if title := excerpt([]byte(html.UnescapeString(string(m[1])))); title != "" {
			return `: page titled "` + strings.TrimPrefix(title, ": ") + `"`
		}
	}
	text := hiddenRE.ReplaceAll(body, nil)
	text = tagRE.ReplaceAll(text, []byte(" "))
	if t := excerpt([]byte(html.UnescapeString(string(text)))); t != "" {
		return `: page reading "` + strings.TrimPrefix(t, ": ") + `"`
	}
	return ": an HTML page without text"
}

var (
	titleRE  = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	hiddenRE = regexp.MustCompile(`(?is)<(script|style|head)\b.*?</(script|style|head)>|<!--.*?-->`)
	tagRE    = regexp.MustCompile(`(?s)<[^>]*>`)
)

// excerpt is the start of a failing body on one line: at most 200
// characters, whitespace runs folded, control characters (a terminal's
// escapes, GitLab's section markers) shown as "?".
func excerpt(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
	if s == "" {
		return ""
	}
	if r := []rune(s); len(r) > shown {
		s = string(r[:shown]) + "…"
	}
	return ": " + s
}
