package herokuapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
)

// TestListAppsFollowsNextRange: heroku-go reads one page; ListApps follows
// Heroku's Next-Range to the end.
func TestListAppsFollowsNextRange(t *testing.T) {
	var apps []string
	for i := range 7 {
		apps = append(apps, fmt.Sprintf("app-%d", i))
	}
	sim := herokusim.New(herokusim.Options{Apps: append(apps, "theirs:foreign"), PageSize: 2})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	sim.SetURL(ts.URL)
	c := New(Config{URL: ts.URL, Key: herokusim.DefaultKey})
	list, err := c.ListApps(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range list {
		got = append(got, a.Name)
	}
	if fmt.Sprint(got) != fmt.Sprint(apps) {
		t.Errorf("ListApps: %v, want %v", got, apps)
	}
	pages := 0
	for _, r := range sim.Requests() {
		if r.Method == "GET" && r.Path == "/apps" {
			pages++
		}
	}
	if pages != 4 {
		t.Errorf("%d requests for 7 apps 2 a page, want 4", pages)
	}
}

// TestMaintenanceIsReadStrictly: only a boolean maintenance field is an
// answer; a missing, null or mistyped one is unknown, never "off".
func TestMaintenanceIsReadStrictly(t *testing.T) {
	for body, want := range map[string]string{
		`{"id":"a1","name":"my-app","maintenance":true,"stack":{"name":"heroku-24"}}`:  "true",
		`{"id":"a1","name":"my-app","maintenance":false,"stack":{"name":"heroku-24"}}`: "false",
		`{"name":"my-app"}`:                    "unknown",
		`{}`:                                   "unknown",
		`{"name":"my-app","maintenance":null}`: "unknown",
		`{"name":"my-app","maintenance":"false"}`: "unknown",
		`{"name":"my-app","maintenance":0}`:       "unknown",
		`null`:                                    "unknown",
		`<html>maintenance</html>`:                "unknown",
	} {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, body)
		}))
		c := New(Config{URL: ts.URL, Key: "k", RetryMax: -1})
		on, err := c.Maintenance(context.Background(), "my-app")
		ts.Close()
		got := fmt.Sprint(on)
		if err != nil {
			got = "unknown"
			if !Unavailable(err) {
				t.Errorf("%s: %v is not exit 4's kind of error", body, err)
			}
		}
		if got != want {
			t.Errorf("%s: read %s (%v), want %s", body, got, err, want)
		}
	}
}

// TestCheckAppName: nil for a name Heroku takes, the name in a typed error
// for any other (classify.Of words it).
func TestCheckAppName(t *testing.T) {
	for _, ok := range []string{"abc", "my-app-1", "a23456789012345678901234567890"} {
		if err := CheckAppName(ok); err != nil {
			t.Errorf("CheckAppName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "ab", "My-app", "my-app-", "1app", "$APP", "a234567890123456789012345678901"} {
		var ne *AppNameError
		if err := CheckAppName(bad); !errors.As(err, &ne) || ne.Name != bad {
			t.Errorf("CheckAppName(%q) = %v, want *AppNameError", bad, err)
		}
	}
}
