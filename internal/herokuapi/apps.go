package herokuapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"

	heroku "github.com/heroku/heroku-go/v6"
)

// App is a Heroku app.
type App = heroku.App

// appNameRE is Heroku's rule for app names.
var appNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,28}[a-z0-9]$`)

// ValidAppName applies Heroku's app name rule: 3 to 30 characters, a
// lowercase letter, then lowercase letters, digits or dashes, not ending
// in a dash.
func ValidAppName(name string) bool { return appNameRE.MatchString(name) }

// AppNameError is a name that breaks Heroku's app name rule, found before
// any request: an input error (classify.Of words it, an unexpanded
// variable's name too).
type AppNameError struct{ Name string }

func (e *AppNameError) Error() string {
	if e.Name == "" {
		return "the app name is empty"
	}
	return fmt.Sprintf("invalid app name %q", e.Name)
}

// CheckAppName applies Heroku's app name rule before any request: nil, or
// an *AppNameError.
func CheckAppName(name string) error {
	if ValidAppName(name) {
		return nil
	}
	return &AppNameError{Name: name}
}

// nameRE is Heroku's team, space, pipeline and region name rule, loosely:
// what can go into a request without escaping.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,29}$`)

// ValidName applies nameRE to a team, space, pipeline or region name.
func ValidName(name string) bool { return nameRE.MatchString(name) }

// sizeRE is a dyno size's shape (standard-1X, performance-l…), loosely.
var sizeRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,40}$`)

// ValidDynoSize applies sizeRE.
func ValidDynoSize(size string) bool { return sizeRE.MatchString(size) }

// AppInfo returns the app, by name or id. Asked by name, the answer must
// be that app: one of another name is unknown.
func (c *Client) AppInfo(ctx context.Context, app string) (*App, error) {
	a, err := c.api.AppInfo(ctx, app)
	if err != nil {
		return nil, Clean(err)
	}
	if err := sameApp("GET", app, a); err != nil {
		return nil, err
	}
	return a, nil
}

// sameApp checks that an answer about app (a name, or an id) is that
// app's.
func sameApp(method, app string, a *App) error {
	if ValidAppName(app) && a.Name != app {
		return unknownAnswer(method, "/apps/"+app, fmt.Sprintf("it is app %q's", a.Name))
	}
	return nil
}

// Generation is the app's platform generation: "cedar" or "fir". An answer
// without one is a Cedar app (the field arrived with Fir).
func Generation(a *App) string {
	if a.Generation.Name == "" {
		return "cedar"
	}
	return a.Generation.Name
}

// DefaultDomain returns the app's herokuapp.com URL from its domains (kind
// "heroku"), or "" when it has none. It stands in for a null web_url.
func (c *Client) DefaultDomain(ctx context.Context, app string) (string, error) {
	list, err := c.api.DomainList(ctx, app, nil)
	if err != nil {
		return "", Clean(err)
	}
	for _, d := range list {
		if d.Kind == "heroku" && d.Hostname != "" {
			return "https://" + d.Hostname + "/", nil
		}
	}
	return "", nil
}

// SetMaintenance turns the app's maintenance mode on or off. Setting it
// twice to the same value changes nothing, so it is retried like a read.
func (c *Client) SetMaintenance(ctx context.Context, app string, on bool) (*App, error) {
	a, err := c.api.AppUpdate(retrySafe(ctx), app, heroku.AppUpdateOpts{Maintenance: &on})
	return a, Clean(err)
}

// Maintenance reads the app's maintenance mode (GET /apps/{app}) strictly:
// an answer whose maintenance field is missing, null or not a boolean is
// an *Error (invalid_response), never "off". heroku-go's App would read
// any of those as false.
func (c *Client) Maintenance(ctx context.Context, app string) (bool, error) {
	req, err := c.api.NewRequest(ctx, http.MethodGet, "/apps/"+url.PathEscape(app), nil, nil)
	if err != nil {
		return false, err
	}
	resp, err := c.apiHTTP.Do(req)
	if err != nil {
		return false, Clean(err)
	}
	defer resp.Body.Close()
	var body map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&body); err == nil {
		switch string(bytes.TrimSpace(body["maintenance"])) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, &Error{Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode, ID: "invalid_response",
		Message: "the answer has no maintenance field that is true or false: maintenance mode is unknown"}
}

// URL is the app's web_url, or, where the schema's null stands in for
// it, its default domain; "" if it has neither. note says which stood in,
// for the log, and is "" when the app has a web_url.
func (c *Client) URL(ctx context.Context, app *App) (u, note string, err error) {
	if app.WebURL != nil && *app.WebURL != "" {
		return *app.WebURL, "", nil
	}
	u, err = c.DefaultDomain(ctx, app.Name)
	if err != nil {
		return "", "", fmt.Errorf("look up the domains of app %s (its web_url is null): %w", app.Name, err)
	}
	if u == "" {
		return "", fmt.Sprintf("App %s has no web_url and no default domain: no URL to report", app.Name), nil
	}
	return u, fmt.Sprintf("App %s has no web_url: using its default domain %s", app.Name, u), nil
}

// AppCreate says where a new app goes: a personal app with Team and Space
// empty, else a team's (in Space, a private space of that team, whose
// generation and region the app takes).
type AppCreate struct {
	Name, Team, Region, Space string
}

// CreateApp creates an app (POST /apps, or POST /teams/apps for a team or
// a space). It is not retried where it may have reached Heroku: the
// caller looks the app up instead. Heroku answers 422 when the name is
// taken, by any account.
func (c *Client) CreateApp(ctx context.Context, o AppCreate) error {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	if o.Team == "" && o.Space == "" {
		_, err := c.api.AppCreate(ctx, heroku.AppCreateOpts{Name: opt(o.Name), Region: opt(o.Region)})
		return Clean(err)
	}
	_, err := c.api.TeamAppCreate(ctx, heroku.TeamAppCreateOpts{Name: opt(o.Name), Team: opt(o.Team), Region: opt(o.Region), Space: opt(o.Space)})
	return Clean(err)
}

// DeleteApp deletes an app with its add-ons. Repeating it changes nothing
// (the second answer is 404). Heroku answers with the app deleted: one of
// another name is unknown.
func (c *Client) DeleteApp(ctx context.Context, app string) error {
	a, err := c.api.AppDelete(ctx, app)
	if err != nil {
		return Clean(err)
	}
	return sameApp("DELETE", app, a)
}

// listPages bounds ListApps: 200 apps a page.
const listPages = 500

// ListApps lists every app the key can use, page after page: Heroku
// answers 206 with a Next-Range header while more remain (200 apps a
// page), which heroku-go does not follow.
func (c *Client) ListApps(ctx context.Context) ([]App, error) {
	var all []App
	rng := ""
	for range listPages {
		req, err := c.api.NewRequest(ctx, http.MethodGet, "/apps", nil, nil)
		if err != nil {
			return nil, err
		}
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := c.apiHTTP.Do(req)
		if err != nil {
			return nil, Clean(err)
		}
		var page []App
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("GET /apps: %w", err)
		}
		all = append(all, page...)
		rng = resp.Header.Get("Next-Range")
		if resp.StatusCode != http.StatusPartialContent || rng == "" {
			return all, nil
		}
	}
	return nil, fmt.Errorf("GET /apps: more than %d pages of apps", listPages)
}

// AddonConfigVars names the app's config vars that its add-ons set
// (DATABASE_URL…).
func (c *Client) AddonConfigVars(ctx context.Context, app string) ([]string, error) {
	list, err := c.api.AddOnListByApp(ctx, app, nil)
	if err != nil {
		return nil, Clean(err)
	}
	var out []string
	for _, a := range list {
		out = append(out, a.ConfigVars...)
	}
	return out, nil
}
