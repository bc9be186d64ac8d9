// Package gitlabapi is the little of GitLab's REST API that heroku-deploy
// uses: the open merge requests of a project, which the review app sweep
// keeps. It authenticates with a project access token (PRIVATE-TOKEN) or a
// CI/CD job token (JOB-TOKEN), follows no redirect (the token goes nowhere
// but the API), retries what is safe to retry, and says nothing of the
// token.
package gitlabapi

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Auth is how a request authenticates (doc/api/rest/authentication.md).
type Auth int

const (
	// AccessToken is a personal, project or group access token, sent as
	// PRIVATE-TOKEN. Listing merge requests needs the read_api scope.
	AccessToken Auth = iota
	// JobToken is the running job's CI_JOB_TOKEN, sent as JOB-TOKEN.
	JobToken
)

// Config configures a Client.
type Config struct {
	// URL is the API's base, CI_API_V4_URL (https://gitlab.com/api/v4).
	URL   string
	Token string
	Auth  Auth
	// Retries after the first attempt [4], and the backoff bounds [1s, 30s].
	RetryMax     int
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// RequestTimeout bounds each attempt [30s].
	RequestTimeout time.Duration
	// Notify receives one line per retry.
	Notify func(string)
	// Trace, when set, receives one line per answer: method, path,
	// status. Never headers.
	Trace func(string)
}

// Client talks to one GitLab instance.
type Client struct {
	cfg Config
	hc  *retryablehttp.Client
}

// New builds a Client. It makes no request.
func New(cfg Config) *Client {
	for _, f := range []*func(string){&cfg.Notify, &cfg.Trace} {
		if *f == nil {
			*f = func(string) {}
		}
	}
	hc := retryablehttp.NewClient()
	hc.Logger = nil
	hc.RetryMax = cmp.Or(cfg.RetryMax, 4)
	hc.RetryWaitMin, hc.RetryWaitMax = cmp.Or(cfg.RetryWaitMin, time.Second), cmp.Or(cfg.RetryWaitMax, 30*time.Second)
	hc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	hc.HTTPClient = &http.Client{
		Timeout:       cmp.Or(cfg.RequestTimeout, 30*time.Second),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	hc.ResponseLogHook = func(_ retryablehttp.Logger, resp *http.Response) {
		cfg.Trace(fmt.Sprintf("GitLab %s %s: %d", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode))
	}
	// Each retry is one line: what failed, which attempt, the wait.
	var last string
	hc.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		switch {
		case err != nil:
			last = "connection failed"
			if ue := (*url.Error)(nil); errors.As(err, &ue) {
				last += ": " + ue.Err.Error()
			}
			return true, nil
		case resp.StatusCode == 429 || resp.StatusCode >= 500:
			last = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
			return true, nil
		}
		return false, nil
	}
	hc.Backoff = func(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
		wait := retryablehttp.DefaultBackoff(lo, hi, attempt, resp)
		cfg.Notify(fmt.Sprintf("GitLab API: %s (attempt %d of %d, next in %s)", last, attempt+1, hc.RetryMax+1, wait.Round(time.Millisecond)))
		return wait
	}
	return &Client{cfg: cfg, hc: hc}
}

// Error is a GitLab answer other than 2xx, or one that is not the API's.
type Error struct {
	Status  int
	Path    string
	Message string
}

func (e *Error) Error() string {
	status := fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	msg := fmt.Sprintf("GitLab API GET %s: %s", e.Path, status)
	if e.Message != "" && e.Message != status {
		msg += ": " + e.Message
	}
	return msg
}

// StatusOf returns the HTTP status carried by err, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// maxPages bounds the pages read: 100 merge requests a page.
const maxPages = 1000

// OpenMergeRequests returns the IIDs of project's open merge requests
// (GET /projects/:id/merge_requests?state=opened, doc/api/merge_requests.md),
// every page of them: GitLab pages offset lists at most 100 items and names
// the next page in X-Next-Page, empty on the last
// (doc/api/rest/_index.md, "Pagination"; X-Total-Pages is left out past
// 10,000 items, so it is not relied on).
func (c *Client) OpenMergeRequests(ctx context.Context, project string) ([]string, error) {
	var iids []string
	page := "1"
	for range maxPages {
		path := "/projects/" + url.PathEscape(project) + "/merge_requests"
		q := url.Values{"state": {"opened"}, "view": {"simple"}, "per_page": {"100"}, "page": {page}}
		var list []struct {
			IID   json.Number `json:"iid"`
			State string      `json:"state"`
		}
		next, err := c.get(ctx, path, q, &list)
		if err != nil {
			return nil, err
		}
		for _, mr := range list {
			if mr.State == "opened" || mr.State == "" {
				iids = append(iids, mr.IID.String())
			}
		}
		if next == "" {
			return iids, nil
		}
		if _, err := strconv.Atoi(next); err != nil {
			return nil, &Error{Status: 200, Path: path, Message: fmt.Sprintf("X-Next-Page %q is not a page number", next)}
		}
		page = next
	}
	return nil, fmt.Errorf("GitLab API: more than %d pages of merge requests", maxPages)
}

// get reads path's JSON into v and returns the X-Next-Page header.
func (c *Client) get(ctx context.Context, path string, q url.Values, v any) (string, error) {
	u := strings.TrimRight(c.cfg.URL, "/") + path + "?" + q.Encode()
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/json")
	if c.cfg.Auth == JobToken {
		req.Header.Set("JOB-TOKEN", c.cfg.Token)
	} else {
		req.Header.Set("PRIVATE-TOKEN", c.cfg.Token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// The URL carries no secret, but keep the error to the path.
			return "", fmt.Errorf("GitLab API GET %s: %w", path, ue.Err)
		}
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return "", fmt.Errorf("GitLab API GET %s: %w", path, err)
	}
	if resp.StatusCode/100 == 3 {
		return "", &Error{Status: resp.StatusCode, Path: path, Message: "GitLab answered with a redirect, which is not followed: the token goes to the API and nowhere else (check CI_API_V4_URL)"}
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Message any    `json:"message"`
			Error   string `json:"error"`
		}
		json.Unmarshal(body, &e)
		msg := e.Error
		if e.Message != nil {
			msg = fmt.Sprint(e.Message)
		}
		return "", &Error{Status: resp.StatusCode, Path: path, Message: short(msg)}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return "", &Error{Status: resp.StatusCode, Path: path, Message: "the answer is not the JSON the API sends"}
	}
	return resp.Header.Get("X-Next-Page"), nil
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
