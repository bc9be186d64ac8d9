package herokusim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// Creating, listing and deleting apps, teams and spaces, add-ons and app
// setups: the parts review apps use.

func (s *sim) json(method, path string, body any) (int, map[string]any, []byte) {
	s.t.Helper()
	var r *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	} else {
		r = bytes.NewReader(nil)
	}
	resp, b := s.do(method, path, r, "Content-Type: application/json")
	var out map[string]any
	json.Unmarshal(b, &out)
	return resp.StatusCode, out, b
}

func TestCreateAppsByHerokusRules(t *testing.T) {
	s := start(t, Options{Apps: []string{"demo", "theirs:foreign"}, Keys: []string{DefaultKey, "HRKU-other"},
		Teams: []string{"acme", "others:user2"}, Spaces: []string{"acme-fir:acme:fir:frankfurt", "acme-cedar:acme", "others-space:others"}})
	for _, tt := range []struct {
		name, path string
		body       any
		status     int
		msg        string
	}{
		{"a free name", "/apps", map[string]any{"name": "review-mr-1", "region": "eu"}, 201, ""},
		{"a name taken by this account", "/apps", map[string]any{"name": "demo"}, 422, "Name is already taken"},
		{"a name taken by another account", "/apps", map[string]any{"name": "theirs"}, 422, "Name is already taken"},
		{"a name too long", "/apps", map[string]any{"name": strings.Repeat("a", 31)}, 422, "too long"},
		{"a name against the rule", "/apps", map[string]any{"name": "Review_1"}, 422, "lowercase"},
		{"an unknown region", "/apps", map[string]any{"name": "x-mr-1", "region": "mars"}, 422, "region"},
		{"an unknown field", "/apps", map[string]any{"name": "x-mr-1", "space": "acme-fir"}, 400, "unknown field"},
		{"an app without a name", "/apps", map[string]any{}, 201, ""},
		{"a team app", "/teams/apps", map[string]any{"name": "team-mr-1", "team": "acme"}, 201, ""},
		{"an unknown team", "/teams/apps", map[string]any{"name": "team-mr-2", "team": "nope"}, 404, "team"},
		{"a team the account is not in", "/teams/apps", map[string]any{"name": "team-mr-3", "team": "others"}, 403, "team"},
		{"a space of another team", "/teams/apps", map[string]any{"name": "team-mr-4", "team": "acme", "space": "others-space"}, 422, "does not belong"},
		{"a space and a region", "/teams/apps", map[string]any{"name": "team-mr-5", "space": "acme-fir", "region": "eu"}, 422, "region"},
		{"a Fir space", "/teams/apps", map[string]any{"name": "fir-mr-1", "space": "acme-fir"}, 201, ""},
	} {
		status, out, raw := s.json("POST", tt.path, tt.body)
		if status != tt.status || (tt.msg != "" && !strings.Contains(fmt.Sprint(out["message"]), tt.msg)) {
			t.Errorf("%s: %d %s, want %d %q", tt.name, status, raw, tt.status, tt.msg)
		}
	}
	_, app, _ := s.json("GET", "/apps/fir-mr-1", nil)
	if gen := app["generation"].(map[string]any)["name"]; gen != "fir" || app["region"].(map[string]any)["name"] != "frankfurt" ||
		app["space"].(map[string]any)["name"] != "acme-fir" || app["team"].(map[string]any)["name"] != "acme" {
		t.Errorf("an app in a Fir space: %v", app)
	}
	_, app, _ = s.json("GET", "/apps/review-mr-1", nil)
	if app["region"].(map[string]any)["name"] != "eu" || app["team"] != nil {
		t.Errorf("a personal app in eu: %v", app)
	}
	// A new app has no config and no add-on; apps of -app have both.
	if _, cfg, _ := s.json("GET", "/apps/review-mr-1/config-vars", nil); len(cfg) != 0 {
		t.Errorf("a new app's config: %v", cfg)
	}
	if resp, b := s.do("GET", "/apps/review-mr-1/addons", nil); resp.StatusCode != 200 || string(bytes.TrimSpace(b)) != "[]" {
		t.Errorf("a new app's add-ons: %d %s", resp.StatusCode, b)
	}
	resp, b := s.do("GET", "/apps/demo/addons", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"config_vars":["DATABASE_URL"]`) {
		t.Errorf("demo's add-ons: %d %s", resp.StatusCode, b)
	}
	// Another member of the team uses the team's apps.
	if resp, _ := s.do("GET", "/apps/team-mr-1", nil, "-Authorization", "Authorization: Bearer HRKU-other"); resp.StatusCode != 200 {
		t.Errorf("a team member reading a team app: %d", resp.StatusCode)
	}
}

func TestConcurrentCreationsOfOneName(t *testing.T) {
	s := start(t, Options{})
	var wg sync.WaitGroup
	statuses := make(chan int, 8)
	for range 8 {
		wg.Go(func() {
			status, _, _ := s.json("POST", "/apps", map[string]any{"name": "race-mr-9"})
			statuses <- status
		})
	}
	wg.Wait()
	close(statuses)
	n := map[int]int{}
	for st := range statuses {
		n[st]++
	}
	if n[201] != 1 || n[422] != 7 {
		t.Errorf("8 concurrent creations: %v, want one 201 and seven 422", n)
	}
}

func TestDeleteApps(t *testing.T) {
	s := start(t, Options{})
	s.json("POST", "/apps", map[string]any{"name": "gone-mr-1"})
	if status, out, raw := s.json("DELETE", "/apps/gone-mr-1", nil); status != 200 || out["name"] != "gone-mr-1" {
		t.Fatalf("DELETE: %d %s", status, raw)
	}
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/apps/gone-mr-1", 404},
		{"DELETE", "/apps/gone-mr-1", 404},
		{"DELETE", "/apps/theirs", 403},
	} {
		if resp, b := s.do(tt.method, tt.path, nil); resp.StatusCode != tt.status {
			t.Errorf("%s %s: %d %s, want %d", tt.method, tt.path, resp.StatusCode, b, tt.status)
		}
	}
	// The name is free again.
	if status, _, raw := s.json("POST", "/apps", map[string]any{"name": "gone-mr-1"}); status != 201 {
		t.Errorf("re-creating a deleted app's name: %d %s", status, raw)
	}
}

func TestListAppsPaginates(t *testing.T) {
	var apps []string
	for i := range 7 {
		apps = append(apps, fmt.Sprintf("app-%d", i))
	}
	s := start(t, Options{Apps: append(apps, "theirs:foreign"), PageSize: 3})
	var names []string
	rng := ""
	for page := 0; ; page++ {
		var hdr []string
		if rng != "" {
			hdr = []string{"Range: " + rng}
		}
		resp, b := s.do("GET", "/apps", nil, hdr...)
		var list []struct{ Name string }
		json.Unmarshal(b, &list)
		for _, a := range list {
			names = append(names, a.Name)
		}
		rng = resp.Header.Get("Next-Range")
		if (resp.StatusCode == 206) != (rng != "") || page > 5 {
			t.Fatalf("page %d: %d, Next-Range %q", page, resp.StatusCode, rng)
		}
		if rng == "" {
			break
		}
	}
	if strings.Join(names, ",") != strings.Join(apps, ",") {
		t.Errorf("listed %v, want the account's apps %v (by id, so in creation order)", names, apps)
	}
	// By name, descending, with a max.
	resp, b := s.do("GET", "/apps", nil, "Range: name ..; max=2, order=desc")
	if resp.StatusCode != 206 || !strings.Contains(string(b), `"app-6"`) || resp.Header.Get("Next-Range") != "name ]app-5..; max=2, order=desc" {
		t.Errorf("desc by name: %d %s %q", resp.StatusCode, b, resp.Header.Get("Next-Range"))
	}
}

// setup posts an app setup of files and waits for its end.
func (s *sim) setup(files map[string]string, body map[string]any) map[string]any {
	s.t.Helper()
	data := tarball(s.t, files)
	src := s.newSource()
	s.do("PUT", src.put, bytes.NewReader(data))
	if body == nil {
		body = map[string]any{}
	}
	body["source_blob"] = map[string]string{"url": src.get}
	status, out, raw := s.json("POST", "/app-setups", body)
	if status != 201 || out["status"] != "pending" {
		s.t.Fatalf("POST /app-setups: %d %s", status, raw)
	}
	id := out["id"].(string)
	for deadline := time.Now().Add(5 * time.Second); out["status"] == "pending" && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		_, out, _ = s.json("GET", "/app-setups/"+id, nil)
	}
	return out
}

func TestAppSetups(t *testing.T) {
	s := start(t, Options{})
	node := map[string]string{"package.json": `{"scripts":{"start":"node x"}}`}
	with := func(appJSON string) map[string]string {
		files := map[string]string{"app.json": appJSON}
		for k, v := range node {
			files[k] = v
		}
		return files
	}
	// Add-ons, env, generators, overrides and postdeploy.
	out := s.setup(with(`{"env":{"PLAIN":"p-value","SECRET_TOKEN":{"generator":"secret"},"API_KEY":{"required":true},"OPTIONAL":{"required":false}},
		"addons":["heroku-postgresql",{"plan":"heroku-redis:mini","as":"CACHE"}],"scripts":{"postdeploy":"echo seeded $PLAIN"}}`),
		map[string]any{"app": map[string]any{"name": "setup-mr-1"}, "overrides": map[string]any{"env": map[string]string{"API_KEY": "from-ci-SECRET"}}})
	if out["status"] != "succeeded" || out["build"].(map[string]any)["status"] != "succeeded" {
		t.Fatalf("setup: %v", out)
	}
	if pd := out["postdeploy"].(map[string]any); pd["output"] != "seeded p-value\n" || pd["exit_code"] != 0.0 {
		t.Errorf("postdeploy: %v", pd)
	}
	_, cfg, _ := s.json("GET", "/apps/setup-mr-1/config-vars", nil)
	for _, k := range []string{"PLAIN", "SECRET_TOKEN", "API_KEY", "DATABASE_URL", "CACHE_URL"} {
		if cfg[k] == nil || cfg[k] == "" {
			t.Errorf("config var %s missing: %v", k, cfg)
		}
	}
	if cfg["API_KEY"] != "from-ci-SECRET" || cfg["OPTIONAL"] != nil {
		t.Errorf("config: %v", cfg)
	}
	if !strings.Contains(strings.Join(s.Secrets(), " "), cfg["DATABASE_URL"].(string)) {
		t.Error("an add-on's URL is not among the secrets the leak checks look for")
	}

	for _, tt := range []struct {
		name    string
		files   map[string]string
		failure string
		errs    string
	}{
		{"a required var missing", with(`{"env":{"FOO":{"description":"x"}}}`), "invalid app.json", "config var FOO is required"},
		{"app.json not JSON", with(`{"env":`), "invalid app.json", "not valid JSON"},
		{"the build fails", map[string]string{"app.json": `{}`, "index.html": "x"}, "failed", ""},
		{"postdeploy fails", with(`{"scripts":{"postdeploy":"echo migrating; exit 3"}}`), "exited with status 3", ""},
	} {
		out := s.setup(tt.files, nil)
		msg, _ := out["failure_message"].(string)
		errs := fmt.Sprint(out["manifest_errors"])
		if out["status"] != "failed" || !strings.Contains(msg, tt.failure) || !strings.Contains(errs, tt.errs) {
			t.Errorf("%s: %v", tt.name, out)
		}
	}
	// Another account does not see the setup; a taken name is refused
	// before anything starts.
	status, out2, _ := s.json("POST", "/app-setups", map[string]any{"app": map[string]any{"name": "demo"}, "source_blob": map[string]any{"url": "x"}})
	if status != 422 || out2["message"] != "Name is already taken" {
		t.Errorf("a setup of a taken name: %d %v", status, out2)
	}
}

// TestAppBodiesMatchHerokusSchema walks app creation, listing and
// deletion, add-ons and app setups (pending, succeeded, failed) through the
// simulator and checks each answer against heroku-go v6's schema, as
// TestBodiesMatchHerokusSchema does for a deploy.
func TestAppBodiesMatchHerokusSchema(t *testing.T) {
	schema := loadSchema(t)
	s := start(t, Options{Apps: []string{"demo", "shop:pipeline=shop/production"}, Teams: []string{"acme"}, Spaces: []string{"acme-fir:acme:fir"}, Step: 20 * time.Millisecond})
	checkBody := schema.checker(t)
	check := func(method, route string, status int, body []byte) {
		t.Helper()
		if status/100 != 2 {
			t.Fatalf("%s %s: %d %s", method, route, status, body)
		}
		checkBody(method, route, route, body)
	}
	status, _, b := s.json("POST", "/apps", map[string]any{"name": "plain-mr-1", "region": "eu"})
	check("POST", "/apps", status, b)
	status, _, b = s.json("POST", "/teams/apps", map[string]any{"name": "team-mr-1", "team": "acme"})
	check("POST", "/teams/apps", status, b)
	status, _, b = s.json("POST", "/teams/apps", map[string]any{"name": "fir-mr-1", "space": "acme-fir"})
	check("POST", "/teams/apps", status, b)
	status, _, b = s.json("GET", "/apps/fir-mr-1", nil)
	check("GET", "/apps/{app}", status, b)
	resp, b := s.do("GET", "/apps", nil)
	check("GET", "/apps", resp.StatusCode, b)
	resp, b = s.do("GET", "/apps/demo/addons", nil)
	check("GET", "/apps/{app}/addons", resp.StatusCode, b)

	for _, files := range []map[string]string{
		{"app.json": `{"addons":["heroku-postgresql"],"scripts":{"postdeploy":"echo seeded"}}`, "package.json": `{}`},
		{"app.json": `{"env":{"FOO":{"required":true}}}`, "package.json": `{}`},
	} {
		data := tarball(t, files)
		src := s.newSource()
		s.do("PUT", src.put, bytes.NewReader(data))
		status, out, b := s.json("POST", "/app-setups", map[string]any{"source_blob": map[string]string{"url": src.get}})
		check("POST", "/app-setups", status, b)
		id := out["id"].(string)
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			status, out, b = s.json("GET", "/app-setups/"+id, nil)
			check("GET", "/app-setups/{id}", status, b)
			if out["status"] != "pending" {
				break
			}
		}
		if out["status"] == "pending" {
			t.Fatal("the app setup never ended")
		}
		resp, b = s.do("GET", "/apps/"+out["app"].(map[string]any)["name"].(string)+"/addons", nil)
		check("GET", "/apps/{app}/addons", resp.StatusCode, b)
	}
	status, out, b := s.json("GET", "/pipelines/shop", nil)
	check("GET", "/pipelines/{pipeline}", status, b)
	status, _, b = s.json("POST", "/pipeline-couplings", map[string]string{"app": "plain-mr-1", "pipeline": out["id"].(string), "stage": "review"})
	check("POST", "/pipeline-couplings", status, b)
	status, _, b = s.json("GET", "/apps/plain-mr-1/pipeline-couplings", nil)
	check("GET", "/apps/{app}/pipeline-couplings", status, b)
	status, _, b = s.json("DELETE", "/apps/plain-mr-1", nil)
	check("DELETE", "/apps/{app}", status, b)
}

func TestCouplings(t *testing.T) {
	s := start(t, Options{Apps: []string{"shop:pipeline=shop/production", "shop-mr-1", "theirs:foreign"}})
	_, p, _ := s.json("GET", "/pipelines/shop", nil)
	id, _ := p["id"].(string)
	if _, byID, _ := s.json("GET", "/pipelines/"+id, nil); byID["name"] != "shop" {
		t.Errorf("a pipeline by id: %v", byID)
	}
	for _, tt := range []struct {
		name   string
		body   map[string]string
		status int
	}{
		{"an unknown stage", map[string]string{"app": "shop-mr-1", "pipeline": id, "stage": "qa"}, 422},
		{"a pipeline by name", map[string]string{"app": "shop-mr-1", "pipeline": "shop", "stage": "review"}, 404},
		{"another account's app", map[string]string{"app": "theirs", "pipeline": id, "stage": "review"}, 403},
		{"no stage", map[string]string{"app": "shop-mr-1", "pipeline": id}, 422},
		{"an app", map[string]string{"app": "shop-mr-1", "pipeline": id, "stage": "review"}, 201},
		{"an app coupled already", map[string]string{"app": "shop-mr-1", "pipeline": id, "stage": "review"}, 422},
	} {
		if status, _, raw := s.json("POST", "/pipeline-couplings", tt.body); status != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, status, raw, tt.status)
		}
	}
	if _, c, _ := s.json("GET", "/apps/shop-mr-1/pipeline-couplings", nil); c["stage"] != "review" {
		t.Errorf("coupling: %v", c)
	}
	if status, _, _ := s.json("GET", "/pipelines/nope", nil); status != 404 {
		t.Errorf("an unknown pipeline: %d", status)
	}
}
