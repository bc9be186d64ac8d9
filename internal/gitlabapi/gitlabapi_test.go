package gitlabapi

import (
	"context"
	"fmt"
	"strings"
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
