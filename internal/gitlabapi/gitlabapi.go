// Package gitlabapi is the little of GitLab's REST API that heroku-deploy
// uses: the open merge requests of a project, which the review app sweep
// keeps. It authenticates with a project access token (PRIVATE-TOKEN) or a
// CI/CD job token (JOB-TOKEN), follows no redirect (the token goes nowhere
// but the API), retries what is safe to retry, and says nothing of the
// token.
package gitlabapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
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
	// Unknown: the answer is not a well-formed GitLab answer (an error
	// status without GitLab's error JSON, a list that is not one of merge
	// requests, pages that do not add up): what it says is unknown, and
	// StatusOf reports 0 for it.
	Unknown bool
}

func (e *Error) Error() string {
	status := fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	msg := fmt.Sprintf("GitLab API GET %s: %s", e.Path, status)
	if e.Message != "" && e.Message != status {
		msg += ": " + e.Message
	}
	return msg
}

// StatusOf returns the HTTP status of a well-formed GitLab answer carried
// by err, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) && !e.Unknown {
		return e.Status
	}
	return 0
}

// maxPages bounds the pages read: 100 merge requests a page.
const maxPages = 1000

// perPage is the page size asked for, GitLab's largest.
const perPage = 100

// OpenMergeRequests returns the IIDs of project's open merge requests
// (GET /projects/:id/merge_requests?state=opened, doc/api/merge_requests.md),
// every page of them: GitLab pages offset lists at most 100 items and names
// the next page in X-Next-Page, empty on the last
// (doc/api/rest/_index.md, "Pagination"; X-Total-Pages is left out past
// 10,000 items, so it is not relied on).
//
// The review sweep deletes the apps of the merge requests this leaves out,
// so only a well-formed answer is read: on every page a JSON array of
// objects whose iid is a positive integer (a string, 4.0, 4.5, null or no
// iid at all is not one), and pages that add up. Anything else is an
// unknown answer (*Error with Unknown set), never fewer merge requests.
// Every merge request listed counts as open: GitLab was asked for open
// ones.
func (c *Client) OpenMergeRequests(ctx context.Context, project string) ([]string, error) {
	var iids []string
	page := 1
	path := "/projects/" + url.PathEscape(project) + "/merge_requests"
	for range maxPages {
		q := url.Values{"state": {"opened"}, "view": {"simple"}, "per_page": {strconv.Itoa(perPage)}, "page": {strconv.Itoa(page)}}
		body, h, err := c.get(ctx, path, q)
		if err != nil {
			return nil, err
		}
		list, why := mergeRequests(body)
		if why == "" {
			var next int
			next, why = nextPage(h, page, len(list))
			if why == "" {
				iids = append(iids, list...)
				if next == 0 {
					return iids, nil
				}
				page = next
				continue
			}
		}
		return nil, &Error{Status: http.StatusOK, Path: path, Unknown: true,
			Message: fmt.Sprintf("page %d is not a list of merge requests that GitLab sends (%s): the open merge requests are unknown", page, why)}
	}
	return nil, fmt.Errorf("GitLab API: more than %d pages of merge requests", maxPages)
}

// iidRE is a merge request IID as JSON writes a positive integer: no sign,
// fraction, exponent or leading zero.
var iidRE = regexp.MustCompile(`^[1-9][0-9]{0,18}$`)

// mergeRequests reads a page: a JSON array of objects, each with an iid
// that is a positive integer and, if it has one, a string state. why says
// what is wrong, or is "".
func mergeRequests(body []byte) (iids []string, why string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, "not JSON"
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, "not JSON: something follows the value"
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Sprintf("%s, not a list", kind(v))
	}
	for i, item := range list {
		mr, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Sprintf("item %d is %s, not an object", i+1, kind(item))
		}
		n, ok := mr["iid"].(json.Number)
		switch {
		case mr["iid"] == nil:
			return nil, fmt.Sprintf("item %d has no iid", i+1)
		case !ok:
			return nil, fmt.Sprintf("item %d: its iid is %s, not a number", i+1, kind(mr["iid"]))
		case !iidRE.MatchString(n.String()):
			return nil, fmt.Sprintf("item %d: its iid %s is not a positive integer", i+1, short(n.String()))
		}
		if st, has := mr["state"]; has {
			if _, ok := st.(string); !ok {
				return nil, fmt.Sprintf("item %d: its state is %s, not a string", i+1, kind(st))
			}
		}
		iids = append(iids, n.String())
	}
	return iids, ""
}

// kind names a decoded JSON value's type.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	}
	return "an object"
}

// nextPage reads a page's pagination headers: the next page's number, 0
// after the last, or why they do not add up. A page of n items names the
// next one only when it is full; a full page that names none is the last
// only when GitLab says so (X-Next-Page present and empty, or
// X-Total-Pages): a header a proxy dropped must not end the list early.
func nextPage(h http.Header, page, n int) (next int, why string) {
	size := perPage
	if v := h.Get("X-Per-Page"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 {
			return 0, fmt.Sprintf("X-Per-Page %q is not a page size", short(v))
		}
		size = p
	}
	if v := h.Get("X-Page"); v != "" && v != strconv.Itoa(page) {
		return 0, fmt.Sprintf("X-Page %q, where page %d was asked for", short(v), page)
	}
	if n > size {
		return 0, fmt.Sprintf("%d items on a page of %d", n, size)
	}
	total := -1
	if v := h.Get("X-Total-Pages"); v != "" {
		t, err := strconv.Atoi(v)
		if err != nil || t < 0 {
			return 0, fmt.Sprintf("X-Total-Pages %q is not a number of pages", short(v))
		}
		total = t
	}
	v, named := h["X-Next-Page"]
	switch {
	case named && len(v) == 1 && v[0] != "":
		if v[0] != strconv.Itoa(page+1) {
			return 0, fmt.Sprintf("X-Next-Page %q after page %d", short(v[0]), page)
		}
		if n < size {
			return 0, fmt.Sprintf("X-Next-Page %s after a page of %d items, not %d", v[0], n, size)
		}
		return page + 1, ""
	case named && (total < 0 || total <= page):
		return 0, ""
	case named:
		return 0, fmt.Sprintf("an empty X-Next-Page on page %d of %d", page, total)
	case total >= 0:
		if page < total {
			return page + 1, ""
		}
		return 0, ""
	case n < size:
		return 0, ""
	}
	return 0, "a full page without X-Next-Page or X-Total-Pages: whether more follow is unknown"
}

// get reads path's answer: a 2xx body and its headers, or *Error.
func (c *Client) get(ctx context.Context, path string, q url.Values) ([]byte, http.Header, error) {
	u := strings.TrimRight(c.cfg.URL, "/") + path + "?" + q.Encode()
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
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
			return nil, nil, fmt.Errorf("GitLab API GET %s: %w", path, ue.Err)
		}
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("GitLab API GET %s: %w", path, err)
	}
	if resp.StatusCode/100 == 3 {
		return nil, nil, &Error{Status: resp.StatusCode, Path: path, Message: "GitLab answered with a redirect, which is not followed: the token goes to the API and nowhere else (check CI_API_V4_URL)"}
	}
	if resp.StatusCode/100 != 2 {
		return nil, nil, errorAnswer(resp.StatusCode, path, body)
	}
	return body, resp.Header, nil
}

// errorAnswer reads GitLab's error JSON: an object with a message (a
// string, or an object of field errors) or an error string
// (doc/api/rest/troubleshooting.md). Any other body, a proxy's page, is
// not GitLab's: the answer is unknown.
func errorAnswer(status int, path string, body []byte) *Error {
	var e map[string]any
	if json.Unmarshal(body, &e) != nil || e == nil {
		return &Error{Status: status, Path: path, Unknown: true, Message: "the body is not GitLab's JSON (an HTML page?): the answer is unknown"}
	}
	switch m := e["message"].(type) {
	case string:
		return &Error{Status: status, Path: path, Message: short(m)}
	case map[string]any, []any:
		b, _ := json.Marshal(m)
		return &Error{Status: status, Path: path, Message: short(string(b))}
	}
	if m, ok := e["error"].(string); ok {
		return &Error{Status: status, Path: path, Message: short(m)}
	}
	return &Error{Status: status, Path: path, Unknown: true, Message: "the body is not GitLab's JSON (no message or error): the answer is unknown"}
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
