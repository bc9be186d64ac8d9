package jobpage

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
)

func labels(secs []ciout.Section) string {
	var b strings.Builder
	for _, s := range secs {
		fmt.Fprintf(&b, "[%s]\n", s.Name)
		for _, l := range s.Links {
			fmt.Fprintf(&b, "%s -> %s\n", l.Label, l.URL)
		}
	}
	return b.String()
}

// What the workflows record becomes one section per changed app: its URL,
// builds, releases (the newest status, what each is), activity page.
func TestSections(t *testing.T) {
	var l Links
	l.URL("my-app", "https://my-app.example/")
	l.URL("read-only", "https://read-only.example/") // read, never changed: no section
	l.Changed("my-app")
	l.Build("my-app", "b1234567-0000", "pending")
	l.Build("my-app", "b1234567-0000", "succeeded")
	l.Release("my-app", "r7654321-0000", 0, "")
	l.Release("my-app", "r7654321-0000", 4, "pending")
	l.Release("my-app", "r7654321-0000", 0, "failed") // a later read without the version keeps it
	l.Release("my-app", "r5555555-0000", 5, "succeeded")
	l.Describe("my-app", "r5555555-0000", "rollback to v3")
	l.Describe("my-app", "r5555555-0000", "rollback to v3")
	l.Release("other", "rother00-0000", 2, "pending") // a release alone makes a section
	got := labels(l.Sections())
	want := `[my-app]
my-app: open the app -> https://my-app.example/
my-app: build b1234567 -> https://dashboard.heroku.com/apps/my-app/activity/builds/b1234567-0000
my-app: release v4 (failed) -> https://dashboard.heroku.com/apps/my-app/activity/releases/r7654321-0000
my-app: release v5 (rollback to v3) -> https://dashboard.heroku.com/apps/my-app/activity/releases/r5555555-0000
my-app: activity -> https://dashboard.heroku.com/apps/my-app/activity
[other]
other: release v2 (pending) -> https://dashboard.heroku.com/apps/other/activity/releases/rother00-0000
other: activity -> https://dashboard.heroku.com/apps/other/activity
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	l.Forget("my-app")
	if got := labels(l.Sections()); strings.Contains(got, "my-app") {
		t.Errorf("a deleted app keeps its section:\n%s", got)
	}
}

// A release whose first read failed is linked by its id.
func TestReleaseWithoutVersion(t *testing.T) {
	var l Links
	l.Release("my-app", "c0000000-0000-4000-8000-000000000003", 0, "")
	if got := labels(l.Sections()); !strings.Contains(got, "my-app: release c0000000 -> https://dashboard.heroku.com/apps/my-app/activity/releases/c0000000-0000-4000-8000-000000000003\n") {
		t.Errorf("got:\n%s", got)
	}
}

// No signed URL becomes a link: a URL with a query (a signature), user
// info, a fragment or another scheme is not written; ids are escaped into
// the dashboard's paths, so an id cannot add a query either.
func TestOnlySafeURLs(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://my-app.herokuapp.com/":                    true,
		"http://127.0.0.1:5000/web/my-app/":                true,
		"https://s3.example/blob?X-Amz-Signature=0123abcd": false,
		"https://s3.example/blob?":                         false,
		"https://user:pass@my-app.example/":                false,
		"https://my-app.example/#token=abc":                false,
		"rendezvous://rendezvous.runtime.heroku.com:5000/": false,
		"javascript:alert(1)":                              false,
		"//my-app.example/":                                false,
		"":                                                 false,
	} {
		if got := safeURL(raw); got != ok {
			t.Errorf("safeURL(%q) = %v, want %v", raw, got, ok)
		}
	}
	var l Links
	l.URL("my-app", "https://s3.example/blob?X-Amz-Signature=0123abcd")
	l.Build("my-app", "b1?sig=x#y/../z", "failed")
	got := labels(l.Sections())
	for _, s := range l.Sections() {
		for _, k := range s.Links {
			if strings.ContainsAny(k.URL, "?#") || strings.Contains(k.URL, "s3.example") {
				t.Errorf("an unsafe URL was linked: %s", k.URL)
			}
		}
	}
	if !strings.Contains(got, "/activity/builds/b1%3Fsig=x%23y%2F..%2Fz\n") {
		t.Errorf("the id was not escaped into the path:\n%s", got)
	}
}

// Past GitLab's 20 sections, the last holds every remaining app's links:
// the report stays one GitLab takes.
func TestMoreAppsThanSections(t *testing.T) {
	var l Links
	for i := range 25 {
		l.Changed(fmt.Sprintf("app-%02d", i))
	}
	secs := l.Sections()
	if len(secs) != ciout.MaxSections {
		t.Fatalf("%d sections, want %d", len(secs), ciout.MaxSections)
	}
	last := secs[len(secs)-1]
	if last.Name != "more apps" || len(last.Links) != 6 || last.Links[0].Label != "app-19: activity" || last.Links[5].Label != "app-24: activity" {
		t.Errorf("last section: %+v", last)
	}
	if _, err := ciout.Annotations(secs); err != nil {
		t.Error(err)
	}
}

// Write leaves out every link in which the redactor finds a secret, and
// says how many.
func TestWriteLeavesOutSecrets(t *testing.T) {
	var l Links
	l.URL("my-app", "https://my-app-SECRET.example/")
	l.Release("my-app", "c1", 3, "succeeded")
	path := filepath.Join(t.TempDir(), "links.json")
	left, err := l.Write(path, func(s string) bool { return strings.Contains(s, "SECRET") })
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if left != 1 || strings.Contains(string(b), "SECRET") || !strings.Contains(string(b), `"my-app: release v3"`) {
		t.Errorf("left %d:\n%s", left, b)
	}
}

// A session built without links records nothing, and no call panics.
func TestNilLinks(t *testing.T) {
	var l *Links
	l.URL("a", "https://a.example/")
	l.Changed("a")
	l.Build("a", "b", "failed")
	l.Release("a", "r", 1, "failed")
	l.Describe("a", "r", "x")
	l.Forget("a")
	if s := l.Sections(); s != nil {
		t.Errorf("sections: %v", s)
	}
}

// A promotion follows its targets side by side (run with -race).
func TestConcurrentRecording(t *testing.T) {
	var l Links
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			app := fmt.Sprintf("app-%d", i)
			l.Changed(app)
			for v := range 20 {
				l.Release(app, fmt.Sprintf("r%d", v%3), v+1, "pending")
				l.Describe(app, "r0", "x")
				_ = l.Sections()
			}
		}()
	}
	wg.Wait()
	if n := len(l.Sections()); n != 8 {
		t.Errorf("%d sections, want 8", n)
	}
}
