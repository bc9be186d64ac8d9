// Package jobpage is what a run puts on its GitLab job's page: for each app
// it changed, or sent a change to, links to the app's URL, to its build and
// release on Heroku's dashboard, and to its activity page, written as
// GitLab's annotations report (ciout.WriteAnnotations). Workflows record
// what they learn as it happens (session.Session.Links), so a run that
// fails after a change still links to what it made: a failed build's or
// release's page is where its log is.
//
// A link is written only if it is http(s), without user info, query or
// fragment: a signed URL (a source blob's, an attach URL) never becomes
// one, whatever a workflow records. The command line drops any link in
// which the redactor finds a secret (Write).
package jobpage

import (
	"fmt"
	"net/url"
	"strings"
	"sync"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
)

// Dashboard is Heroku's dashboard for apps. Its pages, as Heroku links
// them: `https://dashboard.heroku.com/apps/<app>/activity/builds/<id>` is
// the form Heroku's own build log prints (quoted in
// ../shared/reference/containers-dpl-keys.md §3), the releases' page the
// same under activity/releases (inferred from the builds' form).
const Dashboard = "https://dashboard.heroku.com/apps/"

// Links records, for a run, what its job's page links to. The zero value
// is ready; a nil *Links records nothing (a session built without one).
// It is safe for concurrent use: a promotion follows its targets side by
// side.
type Links struct {
	mu   sync.Mutex
	apps []*app            // changed, in the order first recorded
	urls map[string]string // each app's URL, as read
}

type app struct {
	name     string
	builds   []*build
	releases []*release
}

type build struct{ id, status string }

type release struct {
	id      string
	version int
	status  string
	what    []string // what the release is or runs: "rollback to v3"
}

// URL records the web URL read for app. It adds no section: the app may
// not change (a check may stop the run first).
func (l *Links) URL(appName, webURL string) {
	if l == nil || webURL == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.urls == nil {
		l.urls = map[string]string{}
	}
	l.urls[appName] = webURL
}

// Changed records that the run sends app a change (or may have): the app
// gets a section, with its activity page.
func (l *Links) Changed(appName string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.app(appName)
}

// Build records a build of app, or its newer status: Heroku's, or what the
// run made of it ("released again"), shown unless "succeeded".
func (l *Links) Build(appName, id, status string) {
	if l == nil || id == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.app(appName)
	for _, b := range a.builds {
		if b.id == id {
			b.status = status
			return
		}
	}
	a.builds = append(a.builds, &build{id: id, status: status})
}

// Release records a release of app, or what a newer read says of it
// (version 0: not read yet; status "": unknown).
func (l *Links) Release(appName, id string, version int, status string) {
	if l == nil || id == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.release(appName, id)
	if version > 0 {
		r.version = version
	}
	if status != "" {
		r.status = status
	}
}

// Describe says what release id of app is or runs ("rollback to v3", "web
// sha256:0123456789ab"), shown in its link's label.
func (l *Links) Describe(appName, id, what string) {
	if l == nil || id == "" || what == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.release(appName, id)
	for _, w := range r.what {
		if w == what {
			return
		}
	}
	r.what = append(r.what, what)
}

// Forget drops app's section: the app was deleted, and its pages with it.
func (l *Links) Forget(appName string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, a := range l.apps {
		if a.name == appName {
			l.apps = append(l.apps[:i], l.apps[i+1:]...)
			return
		}
	}
}

// app returns app's record, made on first use. l.mu is held.
func (l *Links) app(name string) *app {
	for _, a := range l.apps {
		if a.name == name {
			return a
		}
	}
	a := &app{name: name}
	l.apps = append(l.apps, a)
	return a
}

// release returns release id of app's record, made on first use. l.mu is
// held.
func (l *Links) release(appName, id string) *release {
	a := l.app(appName)
	for _, r := range a.releases {
		if r.id == id {
			return r
		}
	}
	r := &release{id: id}
	a.releases = append(a.releases, r)
	return r
}

// Sections are the report: one section per app, named after it, in the
// order the apps were first changed, each holding the app's URL (when it
// was read), its builds and releases in the order they were made, and its
// activity page. Every label starts with the app's name: the job's page
// lists every section's links together. Past GitLab's limit of sections,
// the last one holds every remaining app's links.
func (l *Links) Sections() []ciout.Section {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []ciout.Section
	for _, a := range l.apps {
		out = append(out, ciout.Section{Name: a.name, Links: l.links(a)})
	}
	if len(out) > ciout.MaxSections {
		last := ciout.Section{Name: "more apps"}
		for _, s := range out[ciout.MaxSections-1:] {
			last.Links = append(last.Links, s.Links...)
		}
		out = append(out[:ciout.MaxSections-1], last)
	}
	return out
}

// links are a's links. l.mu is held.
func (l *Links) links(a *app) []ciout.Link {
	var out []ciout.Link
	add := func(label, u string) {
		if safeURL(u) {
			out = append(out, ciout.Link{Label: a.name + ": " + label, URL: u})
		}
	}
	add("open the app", l.urls[a.name])
	page := Dashboard + url.PathEscape(a.name) + "/activity"
	for _, b := range a.builds {
		add(label("build "+short(b.id), nil, b.status), page+"/builds/"+url.PathEscape(b.id))
	}
	for _, r := range a.releases {
		name := "release " + short(r.id)
		if r.version > 0 {
			name = fmt.Sprintf("release v%d", r.version)
		}
		add(label(name, r.what, r.status), page+"/releases/"+url.PathEscape(r.id))
	}
	add("activity", page)
	return out
}

// label is name, then in brackets what it is and its status when that is
// not success ("release v5 (rollback to v3, failed)").
func label(name string, what []string, status string) string {
	notes := append([]string(nil), what...)
	if status != "" && status != "succeeded" {
		notes = append(notes, status)
	}
	if len(notes) == 0 {
		return name
	}
	return name + " (" + strings.Join(notes, ", ") + ")"
}

// short is an id's first 8 characters, as the labels show it.
func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// safeURL: an http(s) URL with a host, and no user info, query or fragment,
// where a credential or a signature would be.
func safeURL(raw string) bool {
	if raw == "" {
		return false
	}
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		u.User == nil && u.RawQuery == "" && !u.ForceQuery && u.Fragment == "" && !strings.Contains(raw, "#")
}

// Write writes the report to path (ciout.WriteAnnotations), leaving out
// every link in which shows finds a secret (the redactor: a label or URL
// it would mask); it returns how many it left out.
func (l *Links) Write(path string, shows func(string) bool) (left int, err error) {
	var kept []ciout.Section
	for _, s := range l.Sections() {
		var links []ciout.Link
		for _, k := range s.Links {
			if shows != nil && (shows(k.Label) || shows(k.URL) || shows(s.Name)) {
				left++
				continue
			}
			links = append(links, k)
		}
		if len(links) > 0 {
			kept = append(kept, ciout.Section{Name: s.Name, Links: links})
		}
	}
	return left, ciout.WriteAnnotations(path, kept)
}
