package formation

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

func TestParseChanges(t *testing.T) {
	got, err := ParseChanges([]string{"web=2:standard-1x", "worker=0", "clock_1=10:Performance-L"})
	if err != nil {
		t.Fatal(err)
	}
	if s := describeChanges(got); s != "web=2:standard-1x worker=0 clock_1=10:Performance-L" {
		t.Errorf("parsed %q", s)
	}
	for _, bad := range []string{"web", "web=", "web=-1", "web+1", "web-1", "=2", "web=2:", "web=2:a b", "web=99999", "we b=1", "web=1:x:y"} {
		if _, err := ParseChanges([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := ParseChanges([]string{"web=1", "web=2"}); err == nil {
		t.Error("a type given twice accepted")
	}
}

// fake serves GET and PATCH /apps/my-app/formation: patch says what a
// PATCH does to the formation and answers.
type fake struct {
	formation string // the JSON list GET answers
	patch     func(f *fake) (int, string)
	patches   int
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch r.Method + " " + r.URL.Path {
	case "GET /apps/my-app/formation":
		io.WriteString(w, f.formation)
	case "PATCH /apps/my-app/formation":
		f.patches++
		code, body := f.patch(f)
		w.WriteHeader(code)
		io.WriteString(w, body)
	default:
		w.WriteHeader(404)
		io.WriteString(w, `{"id":"not_found","message":"no route"}`)
	}
}

const (
	web1 = `[{"type":"web","quantity":1,"size":"Basic","dyno_size":{"name":"Basic"}}]`
	web2 = `[{"type":"web","quantity":2,"size":"Standard-1X","dyno_size":{"name":"Standard-1X"}}]`
)

func runner(t *testing.T, f *fake) *session.Session {
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	c := herokuapi.New(herokuapi.Config{URL: ts.URL, Key: "k", RetryMax: -1, Notify: func(string) {}})
	return &session.Session{Client: c, Warn: func(string) {}}
}

// TestScaleJudgedByReadBack: what the formation reads after the PATCH,
// not Heroku's answer, decides the outcome.
func TestScaleJudgedByReadBack(t *testing.T) {
	ask := []Change{{Type: "web", Quantity: 2, Size: "standard-1x"}}
	for _, tc := range []struct {
		name  string
		patch func(f *fake) (int, string)
		check func(t *testing.T, res *Result, err error)
	}{
		{"accepted and read back", func(f *fake) (int, string) { f.formation = web2; return 200, web2 }, func(t *testing.T, res *Result, err error) {
			if err != nil || !res.Sent || Describe(res.Formation) != "web=2:Standard-1X" {
				t.Errorf("res %+v, err %v", res, err)
			}
		}},
		{"accepted, not applied", func(f *fake) (int, string) { return 200, web2 }, func(t *testing.T, _ *Result, err error) {
			var me *MismatchError
			if !errors.As(err, &me) || me.Now != "web=1:Basic" {
				t.Errorf("err %v, want a mismatch reading web=1:Basic", err)
			}
		}},
		{"refused, nothing changed", func(f *fake) (int, string) { return 422, `{"id":"invalid_params","message":"no"}` }, func(t *testing.T, _ *Result, err error) {
			var ie *outcome.Error
			if !errors.As(err, &ie) || ie.Kind != outcome.BadInput || !strings.Contains(strings.Join(ie.Hints, " "), "nothing changed") {
				t.Errorf("err %v, want an input error", err)
			}
		}},
		{"refused, changed anyway", func(f *fake) (int, string) {
			f.formation = web2
			return 422, `{"id":"invalid_params","message":"no"}`
		}, func(t *testing.T, _ *Result, err error) {
			var ce *ChangedError
			if !errors.As(err, &ce) {
				t.Errorf("err %v, want a changed error", err)
			}
		}},
		{"answer of another shape", func(f *fake) (int, string) { return 200, `{"type":"web"}` }, func(t *testing.T, _ *Result, err error) {
			if !herokuapi.Unavailable(err) || !strings.Contains(err.Error(), "nothing changed") {
				t.Errorf("err %v, want an unknown answer, nothing changed", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fake{formation: web1, patch: tc.patch}
			res, err := Scale(context.Background(), runner(t, f), "my-app", ask)
			tc.check(t, res, err)
			if f.patches != 1 {
				t.Errorf("%d PATCHes, want 1", f.patches)
			}
		})
	}
}

// TestFormationOfAnotherShape: a formation list that is not one is no
// answer (exit 4), never "no process types".
func TestFormationOfAnotherShape(t *testing.T) {
	for _, body := range []string{`{}`, `[{}]`, `[{"type":"web","quantity":-1}]`, `[{"type":"web","quantity":"1"}]`} {
		f := &fake{formation: body}
		_, err := Read(context.Background(), runner(t, f), "my-app")
		if !herokuapi.Unavailable(err) {
			t.Errorf("%s: err %v, want an unknown answer", body, err)
		}
	}
}
