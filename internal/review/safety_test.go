package review

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

func simApps(t *testing.T, apps ...string) *session.Session {
	t.Helper()
	sim := herokusim.New(herokusim.Options{Apps: apps})
	ts := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); ts.Close() })
	sim.SetURL(ts.URL)
	return &session.Session{Client: herokuapi.New(herokuapi.Config{URL: ts.URL, Key: herokusim.DefaultKey}), Out: ciout.New(io.Discard, false)}
}

// TestCoupleMeanwhile: Heroku refuses a coupling (422) of an app coupled
// meanwhile. Coupled to this pipeline at stage review, that is the
// coupling wanted; at another stage, the refusal stands.
func TestCoupleMeanwhile(t *testing.T) {
	a := simApps(t, "shop-staging:pipeline=shop/staging", "shop-mr-1:pipeline=shop/review", "shop-mr-2:pipeline=shop/staging")
	ctx := context.Background()
	if err := Couple(ctx, a, "shop-mr-1", "shop"); err != nil {
		t.Errorf("coupled at review meanwhile: %v, want success", err)
	}
	if err := Couple(ctx, a, "shop-mr-2", "shop"); herokuapi.StatusOf(err) != 422 {
		t.Errorf("coupled at staging meanwhile: %v, want Heroku's 422", err)
	}
}

// TestCheckExisting: an app found at staging or production is refused for
// a deploy, with or without a pipeline; one at review or development, or
// in no pipeline without one, is not.
func TestCheckExisting(t *testing.T) {
	a := simApps(t, "shop-staging:pipeline=shop/staging", "shop-mr-1:pipeline=shop/production", "shop-mr-2:pipeline=other/development", "shop-mr-3")
	ctx := context.Background()
	for _, pipeline := range []string{"shop", ""} {
		_, err := CheckExisting(ctx, a, "shop-mr-1", pipeline)
		var unsafe *UnsafeError
		if !errors.As(err, &unsafe) || !strings.HasPrefix(err.Error(), "refusing to deploy to app shop-mr-1: it is coupled to pipeline shop at stage production") {
			t.Errorf("pipeline %q: %v, want a refused deploy", pipeline, err)
		}
	}
	if note, err := CheckExisting(ctx, a, "shop-mr-2", "shop"); err != nil || !strings.Contains(note, "left as it is") {
		t.Errorf("another pipeline at development: %q, %v, want a note", note, err)
	}
	if note, err := CheckExisting(ctx, a, "shop-mr-3", ""); err != nil || note != "" {
		t.Errorf("no pipeline, none wanted: %q, %v", note, err)
	}
}

// answer replaces the simulator's answer to one request: after letting
// the simulator apply it, with apply.
type answer struct {
	status int
	body   string
	apply  bool
}

// simWith is simApps whose answers to the requests in answers ("METHOD
// /path") are replaced: the bodies the simulator's faults cannot send yet.
func simWith(t *testing.T, answers map[string]answer, apps ...string) *session.Session {
	t.Helper()
	sim := herokusim.New(herokusim.Options{Apps: apps})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := answers[r.Method+" "+r.URL.Path]
		if !ok {
			sim.ServeHTTP(w, r)
			return
		}
		if a.apply {
			sim.ServeHTTP(httptest.NewRecorder(), r)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	t.Cleanup(func() { sim.Close(); ts.Close() })
	sim.SetURL(ts.URL)
	c := herokuapi.New(herokuapi.Config{URL: ts.URL, Key: herokusim.DefaultKey, RetryMax: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	return &session.Session{Client: c, Out: ciout.New(io.Discard, false)}
}

// unreadable are answers that are not Heroku's: never "absent", never a
// coupling, never an app.
var unreadable = []answer{
	{404, "<html><body><h1>404 Not Found</h1></body></html>", false},
	{404, "404 page not found", false},
	{404, "{}", false},
	{404, `{"id":"not_found"}`, false},
	{200, "{}", false},
	{200, "null", false},
	{200, `{"id":"c0","pipeline":{"id":"p0"},"stage":5}`, false},
	{200, `{"id":"c0","pipeline":{"id":"p0"},"sta`, false},
	{200, "<html></html>", false},
}

// TestCheckStageNeedsAPositiveAnswer: an app coupled at production, whose
// coupling answer is unreadable, is neither passed nor refused as unsafe:
// the answer is unknown (exit 4), and nothing may be deleted or deployed
// on it. Heroku's own 404 not_found is "in no pipeline".
func TestCheckStageNeedsAPositiveAnswer(t *testing.T) {
	ctx := context.Background()
	for _, a := range unreadable {
		apps := simWith(t, map[string]answer{"GET /apps/shop-mr-1/pipeline-couplings": a}, "shop-mr-1:pipeline=shop/production")
		err := CheckStage(ctx, apps, "shop-mr-1")
		var unsafe *UnsafeError
		if err == nil || errors.As(err, &unsafe) || !herokuapi.Unavailable(err) || !herokuapi.IsUnknown(err) {
			t.Errorf("coupling answered %d %s: %v, want an unknown answer", a.status, a.body, err)
		}
		if _, err := CheckExisting(ctx, apps, "shop-mr-1", "shop"); err == nil || !herokuapi.IsUnknown(err) {
			t.Errorf("review deploy's check, coupling answered %d %s: %v, want an unknown answer", a.status, a.body, err)
		}
	}
	apps := simWith(t, nil, "shop-mr-1")
	if err := CheckStage(ctx, apps, "shop-mr-1"); err != nil {
		t.Errorf("in no pipeline (Heroku's 404 not_found): %v", err)
	}
}

// TestExistsNeedsAPositiveAnswer: an unreadable answer about the app is
// not "missing", and an app of another name is not this one.
func TestExistsNeedsAPositiveAnswer(t *testing.T) {
	ctx := context.Background()
	other := answer{200, `{"id":"a0","name":"shop-production","maintenance":false,"stack":{"name":"heroku-24"}}`, false}
	for _, a := range append(unreadable, other) {
		apps := simWith(t, map[string]answer{"GET /apps/shop-mr-1": a}, "shop-mr-1")
		if found, err := Exists(ctx, apps, "shop-mr-1"); err == nil || !herokuapi.IsUnknown(err) {
			t.Errorf("app answered %d %s: %v, %v, want an unknown answer", a.status, a.body, found, err)
		}
	}
	apps := simWith(t, nil, "shop-mr-1")
	if found, err := Exists(ctx, apps, "shop-mr-2"); found || err != nil {
		t.Errorf("an app that does not exist: %v, %v", found, err)
	}
}

// TestDeleteReadsBack: a delete whose answer is unreadable is reported
// done only once a read finds the app gone.
func TestDeleteReadsBack(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		answers map[string]answer
		want    Deletion
		gone    bool
	}{
		{"answered with the app", nil, Deleted, true},
		{"applied, answered {}", map[string]answer{"DELETE /apps/shop-mr-1": {200, "{}", true}}, DeletedUnanswered, true},
		{"applied, answered an HTML 404", map[string]answer{"DELETE /apps/shop-mr-1": {404, "<html>Not Found</html>", true}}, DeletedUnanswered, true},
		{"applied, answered 503", map[string]answer{"DELETE /apps/shop-mr-1": {503, `{"id":"unavailable","message":"x"}`, true}}, DeletedUnanswered, true},
		{"answered another app", map[string]answer{"DELETE /apps/shop-mr-1": {200, `{"id":"a0","name":"shop","maintenance":false,"stack":{"name":"heroku-24"}}`, true}}, DeletedUnanswered, true},
		{"gone already", map[string]answer{"DELETE /apps/shop-mr-1": {404, `{"id":"not_found","message":"Couldn't find that app."}`, false}}, Gone, false},
	} {
		apps := simWith(t, tc.answers, "shop-mr-1")
		got, err := Delete(ctx, apps, "shop-mr-1")
		if err != nil || got != tc.want {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		name    string
		answers map[string]answer
		want    string
	}{
		{"not applied, answered {}", map[string]answer{"DELETE /apps/shop-mr-1": {200, "{}", false}}, "; it still exists"},
		{"not applied, the read unreadable", map[string]answer{"DELETE /apps/shop-mr-1": {503, "<html></html>", false}, "GET /apps/shop-mr-1": {404, "<html></html>", false}},
			"; whether it is deleted is unknown: reading it back failed too: GET /apps/shop-mr-1: 404 whose body is not Heroku's JSON"},
		{"refused", map[string]answer{"DELETE /apps/shop-mr-1": {403, `{"id":"forbidden","message":"no"}`, false}}, "DELETE /apps/shop-mr-1: 403 forbidden: no"},
	} {
		apps := simWith(t, tc.answers, "shop-mr-1")
		if _, err := Delete(ctx, apps, "shop-mr-1"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

// TestDestroyRefusesAnAppOutsideItsPrefix: review destroy's first safety
// check needs no request (there is no client here): an app the prefix's
// rule does not name is refused for safety (exit 5), with what to check.
func TestDestroyRefusesAnAppOutsideItsPrefix(t *testing.T) {
	s := &session.Session{Out: ciout.New(io.Discard, false)}
	err := Destroy(context.Background(), s, "shop", "shop-staging")
	var o *outcome.Error
	var unsafe *UnsafeError
	if !errors.As(err, &o) || o.Kind != outcome.Unsafe || !errors.As(err, &unsafe) || !strings.Contains(strings.Join(o.Hints, " "), "check the name and app inputs") {
		t.Fatalf("err %v", err)
	}
}
