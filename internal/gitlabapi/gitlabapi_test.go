package gitlabapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/gitlabfake"
)

func fake(t *testing.T, o gitlabfake.Options) *gitlabfake.Server {
	t.Helper()
	s, err := gitlabfake.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenMergeRequestsReadsEveryPage(t *testing.T) {
	var mrs []string
	for i := 1; i <= 250; i++ {
		switch i % 5 {
		case 0:
			mrs = append(mrs, fmt.Sprintf("%d:merged", i))
		case 1:
			mrs = append(mrs, fmt.Sprintf("%d:closed", i))
		default:
			mrs = append(mrs, fmt.Sprint(i))
		}
	}
	s := fake(t, gitlabfake.Options{Token: "glpat-x", MRs: mrs})
	c := New(Config{URL: s.URL, Token: "glpat-x"})
	got, err := c.OpenMergeRequests(context.Background(), "42")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 150 || got[0] != "249" || got[149] != "2" {
		t.Errorf("%d open merge requests (%v…), want 150 from 249 down", len(got), got[:3])
	}
	reqs := s.Requests()
	if len(reqs) != 2 || !strings.Contains(reqs[0], "state=opened") || !strings.Contains(reqs[0], "per_page=100") || !strings.HasSuffix(reqs[0], " 200 PRIVATE-TOKEN") {
		t.Errorf("requests: %v", reqs)
	}
}

func TestOpenMergeRequestsErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   gitlabfake.Options
		cfg    Config
		status int
	}{
		{"a wrong token", gitlabfake.Options{Token: "glpat-x"}, Config{Token: "glpat-y"}, 401},
		{"another project", gitlabfake.Options{Token: "glpat-x", Project: "7"}, Config{Token: "glpat-x"}, 404},
		{"a job token refused", gitlabfake.Options{JobToken: "job", JobTokenRefused: true}, Config{Token: "job", Auth: JobToken}, 401},
		{"an outage", gitlabfake.Options{Token: "glpat-x", Fail: 503, FailTimes: 10}, Config{Token: "glpat-x"}, 503},
	} {
		s := fake(t, tc.opts)
		tc.cfg.URL, tc.cfg.RetryMax, tc.cfg.RetryWaitMin, tc.cfg.RetryWaitMax = s.URL, 2, time.Millisecond, time.Millisecond
		_, err := New(tc.cfg).OpenMergeRequests(context.Background(), "42")
		if StatusOf(err) != tc.status {
			t.Errorf("%s: %v, want status %d", tc.name, err, tc.status)
		}
		if err != nil && strings.Contains(err.Error(), tc.cfg.Token) {
			t.Errorf("%s: the error shows the token: %v", tc.name, err)
		}
	}
	// A passing outage is retried; a job token that may list works.
	s := fake(t, gitlabfake.Options{JobToken: "job", Fail: 502, FailTimes: 2, MRs: []string{"3", "4:closed"}})
	got, err := New(Config{URL: s.URL, Token: "job", Auth: JobToken, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond}).OpenMergeRequests(context.Background(), "42")
	if err != nil || fmt.Sprint(got) != "[3]" {
		t.Errorf("after an outage, with a job token: %v %v", got, err)
	}
}

// page is one answer of a scripted GitLab: a status, a body, and its
// pagination headers ("-" for a header left out).
type page struct {
	status                      int
	body                        string
	xpage, next, total, perPage string
}

// scripted answers the n-th request with pages[n] (the last repeats).
func scripted(t *testing.T, pages ...page) *Client {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := pages[min(int(n.Add(1))-1, len(pages)-1)]
		for k, v := range map[string]string{"X-Page": p.xpage, "X-Next-Page": p.next, "X-Total-Pages": p.total, "X-Per-Page": p.perPage} {
			if v != "-" {
				w.Header()[k] = []string{v}
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(cmp.Or(p.status, 200))
		io.WriteString(w, p.body)
	}))
	t.Cleanup(srv.Close)
	return New(Config{URL: srv.URL, Token: "glpat-x", RetryMax: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
}

// full is a full page of 100 merge requests from first down.
func full(first int) string {
	var items []string
	for i := range 100 {
		items = append(items, fmt.Sprintf(`{"iid":%d,"state":"opened"}`, first-i))
	}
	return "[" + strings.Join(items, ",") + "]"
}

// TestMalformedListsAreUnknown: the sweep deletes the apps of merge
// requests the list leaves out, so a list that is not GitLab's list of
// merge requests, on any page, or pages that do not add up, is unknown
// (StatusOf 0: exit 4), never an empty or a shorter list.
func TestMalformedListsAreUnknown(t *testing.T) {
	last := func(body string) page { return page{body: body, xpage: "1", next: "", total: "1", perPage: "100"} }
	for _, tc := range []struct {
		name  string
		pages []page
		why   string
	}{
		{"null", []page{last("null")}, "null, not a list"},
		{"{}", []page{last("{}")}, "an object, not a list"},
		{"an HTML page", []page{last("<html><body>Sign in</body></html>")}, "not JSON"},
		{"truncated JSON", []page{last(`[{"iid":7,"state":"ope`)}, "not JSON"},
		{"two values", []page{last(`[] []`)}, "not JSON: something follows the value"},
		{"a string iid", []page{last(`[{"iid":"7","state":"opened"}]`)}, "item 1: its iid is a string, not a number"},
		{"a float iid 4.0", []page{last(`[{"iid":8},{"iid":4.0}]`)}, "item 2: its iid 4.0 is not a positive integer"},
		{"a float iid 4.5", []page{last(`[{"iid":4.5}]`)}, "item 1: its iid 4.5 is not a positive integer"},
		{"an exponent", []page{last(`[{"iid":4e0}]`)}, "item 1: its iid 4e0 is not a positive integer"},
		{"iid 0", []page{last(`[{"iid":0}]`)}, "item 1: its iid 0 is not a positive integer"},
		{"a negative iid", []page{last(`[{"iid":-3}]`)}, "item 1: its iid -3 is not a positive integer"},
		{"no iid", []page{last(`[{"state":"opened"}]`)}, "item 1 has no iid"},
		{"a null iid", []page{last(`[{"iid":null}]`)}, "item 1 has no iid"},
		{"an item {}", []page{last(`[{}]`)}, "item 1 has no iid"},
		{"an item null", []page{last(`[null]`)}, "item 1 is null, not an object"},
		{"an item that is a number", []page{last(`[7]`)}, "item 1 is a number, not an object"},
		{"a state that is not a string", []page{last(`[{"iid":7,"state":1}]`)}, "item 1: its state is a number, not a string"},
		{"a bad second page", []page{{body: full(200), xpage: "1", next: "2", total: "2", perPage: "100"}, {body: `null`, xpage: "2", next: "", total: "2", perPage: "100"}},
			"page 2 is not a list of merge requests that GitLab sends (null, not a list)"},
		{"another page than asked", []page{{body: `[{"iid":7}]`, xpage: "2", next: "", total: "2", perPage: "100"}}, `X-Page "2", where page 1 was asked for`},
		{"a next page that skips", []page{{body: full(200), xpage: "1", next: "3", total: "3", perPage: "100"}}, `X-Next-Page "3" after page 1`},
		{"a next page that is no number", []page{{body: full(200), xpage: "1", next: "two", total: "-", perPage: "100"}}, `X-Next-Page "two" after page 1`},
		{"a next page after a short page", []page{{body: `[{"iid":7}]`, xpage: "1", next: "2", total: "2", perPage: "100"}}, "X-Next-Page 2 after a page of 1 items, not 100"},
		{"no next page, but more pages", []page{{body: full(200), xpage: "1", next: "", total: "2", perPage: "100"}}, "an empty X-Next-Page on page 1 of 2"},
		{"a full page, no headers", []page{{body: full(200), xpage: "-", next: "-", total: "-", perPage: "-"}}, "a full page without X-Next-Page or X-Total-Pages"},
		{"more items than a page", []page{{body: full(200), xpage: "1", next: "", total: "1", perPage: "20"}}, "100 items on a page of 20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			iids, err := scripted(t, tc.pages...).OpenMergeRequests(context.Background(), "42")
			var e *Error
			if !errors.As(err, &e) || !e.Unknown || StatusOf(err) != 0 || iids != nil {
				t.Fatalf("%v, %v: want an unknown answer", iids, err)
			}
			if !strings.Contains(err.Error(), tc.why) || !strings.Contains(err.Error(), "the open merge requests are unknown") {
				t.Errorf("error %q: want it to say %q", err, tc.why)
			}
		})
	}
}

// TestWellFormedLists: GitLab's lists, with or without its optional
// headers, are read whole.
func TestWellFormedLists(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pages []page
		want  int
	}{
		{"empty", []page{{body: `[]`, xpage: "1", next: "", total: "0", perPage: "100"}}, 0},
		{"two pages", []page{{body: full(150), xpage: "1", next: "2", total: "2", perPage: "100"}, {body: `[{"iid":50,"state":"locked"}]`, xpage: "2", next: "", total: "2", perPage: "100"}}, 101},
		// Past 10,000 items GitLab leaves X-Total-Pages out.
		{"no total", []page{{body: full(150), xpage: "1", next: "2", total: "-", perPage: "100"}, {body: `[{"iid":50}]`, xpage: "2", next: "", total: "-", perPage: "100"}}, 101},
		// A proxy that drops empty headers: a short page is the last.
		{"no empty header", []page{{body: `[{"iid":3}]`, xpage: "-", next: "-", total: "-", perPage: "-"}}, 1},
		{"total pages only", []page{{body: full(200), xpage: "-", next: "-", total: "2", perPage: "-"}, {body: full(100), xpage: "-", next: "-", total: "2", perPage: "-"}}, 200},
	} {
		iids, err := scripted(t, tc.pages...).OpenMergeRequests(context.Background(), "42")
		if err != nil || len(iids) != tc.want {
			t.Errorf("%s: %d merge requests, %v; want %d", tc.name, len(iids), err, tc.want)
		}
	}
}

// TestErrorAnswersMustBeGitLabs: an error status means a refusal only
// with GitLab's error JSON; a proxy's page is unknown.
func TestErrorAnswersMustBeGitLabs(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   int
	}{
		{401, `{"message":"401 Unauthorized"}`, 401},
		{404, `{"message":"404 Project Not Found"}`, 404},
		{400, `{"error":"state does not have a valid value"}`, 400},
		{403, `{"message":{"base":["forbidden"]}}`, 403},
		{404, `<html><body>Not Found</body></html>`, 0},
		{401, `Unauthorized`, 0},
		{404, `{}`, 0},
		{404, `null`, 0},
		{404, `{"message":7}`, 0},
	} {
		_, err := scripted(t, page{status: tc.status, body: tc.body, xpage: "-", next: "-", total: "-", perPage: "-"}).OpenMergeRequests(context.Background(), "42")
		if StatusOf(err) != tc.want || err == nil {
			t.Errorf("%d %s: %v (status %d), want status %d", tc.status, tc.body, err, StatusOf(err), tc.want)
		}
	}
}
