package review

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// Template is the config a review app copies from a template app (a
// staging app, usually).
type Template struct {
	App  string
	Vars map[string]string // what is copied; every value a secret
	// FromAddons are the template's vars its add-ons set (DATABASE_URL…):
	// never copied, or the review app would use the template's database.
	FromAddons []string
	Skipped    []string // the names left out on request that it has
}

// TemplateOf reads app's config vars, less those its add-ons set and those
// named in skip.
func TemplateOf(ctx context.Context, s *session.Session, app string, skip []string) (*Template, error) {
	vars, err := s.Client.ConfigVars(ctx, app)
	if err != nil {
		return nil, fmt.Errorf("read config vars of template app %s: %w", app, err)
	}
	addons, err := s.Client.AddonConfigVars(ctx, app)
	if err != nil {
		return nil, fmt.Errorf("read add-ons of template app %s: %w", app, err)
	}
	t := &Template{App: app, Vars: map[string]string{}}
	for k, v := range vars {
		switch {
		case slices.Contains(addons, k):
			t.FromAddons = append(t.FromAddons, k)
		case slices.Contains(skip, k):
			t.Skipped = append(t.Skipped, k)
		default:
			t.Vars[k] = v
		}
	}
	sort.Strings(t.FromAddons)
	sort.Strings(t.Skipped)
	return t, nil
}
