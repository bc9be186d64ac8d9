package herokusim

import (
	"net/http"
	"strings"
	"time"
)

// Add-ons, as far as their config vars go: every -app app has a Heroku
// Postgres add-on that set its DATABASE_URL; app setups provision those
// app.json names. A client copying one app's config to another must know
// which vars an add-on set: a copied DATABASE_URL would point the copy at
// the original's database.

type addon struct {
	ID, Name, service, plan string
	configVars              []string
	app                     *app
	createdAt               time.Time
}

// newAddon attaches service's plan to a as attachment (DATABASE: the
// config var DATABASE_URL). It sets no value: the caller does (s.mu held
// or not yet shared).
func (s *Server) newAddon(a *app, service, plan, attachment string) *addon {
	id := s.id('4')
	return &addon{
		ID: id, Name: service + "-" + id[len(id)-6:], service: service, plan: plan,
		configVars: []string{attachment + "_URL"}, app: a, createdAt: s.now().UTC(),
	}
}

// attachmentOf is the config var prefix Heroku gives a service's first
// attachment: DATABASE for Postgres, REDIS for Redis, the service's name
// in capitals otherwise [inferred for services other than these two].
func attachmentOf(service string) string {
	switch service {
	case "heroku-postgresql":
		return "DATABASE"
	case "heroku-redis":
		return "REDIS"
	}
	return strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(service))
}

// listAddons answers GET /apps/{app}/addons.
func (s *Server) listAddons(w http.ResponseWriter, r *http.Request, a *app) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []any{}
	for _, ad := range a.addons {
		out = append(out, map[string]any{
			"id": ad.ID, "name": ad.Name, "config_vars": ad.configVars, "state": "provisioned",
			"actions":        []any{},
			"addon_service":  map[string]string{"id": "60000000-0000-4000-8000-" + ad.ID[24:], "name": ad.service},
			"plan":           map[string]string{"id": "61000000-0000-4000-8000-" + ad.ID[24:], "name": ad.service + ":" + ad.plan},
			"app":            map[string]string{"id": a.ID, "name": a.Name},
			"billing_entity": map[string]string{"id": a.ID, "name": a.Name, "type": "app"},
			"billed_price":   map[string]any{"cents": 0, "contract": false, "unit": "month"},
			"provider_id":    ad.ID[24:],
			"created_at":     ad.createdAt, "updated_at": ad.createdAt,
			"web_url": "https://addons-sso.heroku.com/apps/" + a.ID + "/addons/" + ad.ID,
		})
	}
	writeJSON(w, 200, out)
}
