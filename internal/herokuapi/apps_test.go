package herokuapi

import (
	"context"
	"fmt"
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
