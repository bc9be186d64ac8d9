package herokusim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"
)

type app struct {
	ID, Name, WebURL, Owner string
	CreatedAt               time.Time
	builds                  []*build
	releases                []*release
	config                  map[string]string
}

// createApp makes an app with Heroku's first two releases (s.mu held or
// not yet shared).
func (s *Server) createApp(name, owner string) *app {
	sum := sha256.Sum256([]byte(name))
	a := &app{
		ID: s.id('a'), Name: name, Owner: owner, CreatedAt: s.now().UTC(),
		// Apps created since 2023-06-14 carry a random suffix: clients
		// must read web_url, never build it from the name.
		WebURL: fmt.Sprintf("https://%s-%s.herokuapp.com/", name, hex.EncodeToString(sum[:6])),
		// A secret every app carries, so tests can prove it never leaks.
		config: map[string]string{"DATABASE_URL": "postgres://u:" + ConfigSecret + "@db.example.com:5432/d"},
	}
	s.apps[a.Name] = a
	s.apps[a.ID] = a
	// Heroku creates v1 and v2 with every app: the first deploy is v3.
	s.newRelease(a, "Initial release", "", nil)
	s.newRelease(a, "Enable Logplex by "+owner, "", nil)
	return a
}

// appFor finds an app by name or id and checks the account may use it.
func (s *Server) appFor(w http.ResponseWriter, acct *account, ident string) (*app, bool) {
	s.mu.Lock()
	a := s.apps[ident]
	s.mu.Unlock()
	if a == nil {
		apiError(w, 404, "not_found", "Couldn't find that app.")
		return nil, false
	}
	if a.Owner != acct.email {
		apiError(w, 403, "forbidden", fmt.Sprintf("You do not have access to the app %s.", a.Name))
		return nil, false
	}
	return a, true
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request, a *app) {
	writeJSON(w, 200, s.appJSON(a))
}

func (s *Server) appJSON(a *app) map[string]any {
	return map[string]any{
		"id": a.ID, "name": a.Name, "web_url": a.WebURL,
		"git_url":     "https://git.heroku.com/" + a.Name + ".git",
		"stack":       map[string]string{"id": "50000000-0000-4000-8000-000000000024", "name": "heroku-24"},
		"build_stack": map[string]string{"id": "50000000-0000-4000-8000-000000000024", "name": "heroku-24"},
		"region":      map[string]string{"id": "59accabd-516d-4f0e-83e6-6e3757701145", "name": "us"},
		"owner":       map[string]string{"id": "00000000-0000-4000-8000-0000000000aa", "email": a.Owner},
		"maintenance": false, "created_at": a.CreatedAt, "updated_at": a.CreatedAt,
	}
}
