package herokusim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// ids of what a test promotes: apps by name, the pipeline, releases.
func (s *sim) appID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apps[name].ID
}

func (s *sim) releases(app string) []struct {
	ID, Status  string
	Version     int
	Current     bool
	Description string
	Eligible    bool `json:"eligible_for_rollback"`
} {
	s.t.Helper()
	_, b := s.do("GET", "/apps/"+app+"/releases", nil)
	var out []struct {
		ID, Status  string
		Version     int
		Current     bool
		Description string
		Eligible    bool `json:"eligible_for_rollback"`
	}
	json.Unmarshal(b, &out)
	return out
}

func (s *sim) promote(body string) (int, string) {
	s.t.Helper()
	resp, b := s.do("POST", "/pipeline-promotions", strings.NewReader(body), "Content-Type: application/json")
	return resp.StatusCode, string(b)
}

func (s *sim) targetsDone(id string) string {
	s.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		_, b := s.do("GET", "/pipeline-promotions/"+id+"/promotion-targets", nil)
		if !strings.Contains(string(b), `"pending"`) {
			return string(b)
		}
	}
	s.t.Fatal("the promotion never ended")
	return ""
}

// TestPromotions: Heroku's checks before a promotion, and what it does: the
// pinned source release (not the current one) released on each target,
// failures with an error_message.
func TestPromotions(t *testing.T) {
	s := start(t, Options{Apps: []string{
		"stage:pipeline=flow/staging", "prod:pipeline=flow/production", "prod-eu:pipeline=flow/production,promotion-fails",
		"other:pipeline=other/production", "locked:pipeline=flow/production,two-factor", "docker:pipeline=flow/production,container",
		"loner", "theirs:foreign,pipeline=flow/production",
	}})
	node := map[string]string{"package.json": `{}`}
	s.finishOf("stage", s.deployTo("stage", "aaaa", node, ""))
	s.finishOf("stage", s.deployTo("stage", "bbbb", node, ""))
	rels := s.releases("stage")
	v3 := rels[2].ID
	_, b := s.do("GET", "/apps/stage/pipeline-couplings", nil)
	var c struct{ Pipeline struct{ ID, Name string } }
	json.Unmarshal(b, &c)
	if c.Pipeline.Name != "flow" {
		t.Fatalf("coupling: %s", b)
	}
	if resp, b := s.do("GET", "/apps/loner/pipeline-couplings", nil); resp.StatusCode != 404 {
		t.Errorf("an app in no pipeline: %d %s", resp.StatusCode, b)
	}
	body := func(release string, targets ...string) string {
		var ts []string
		for _, a := range targets {
			ts = append(ts, fmt.Sprintf(`{"app":{"id":"%s"}}`, s.appID(a)))
		}
		rel := ""
		if release != "" {
			rel = `,"release":{"id":"` + release + `"}`
		}
		return fmt.Sprintf(`{"pipeline":{"id":"%s"},"source":{"app":{"id":"%s"}%s},"targets":[%s]}`, c.Pipeline.ID, s.appID("stage"), rel, strings.Join(ts, ","))
	}
	for _, tt := range []struct {
		name, body string
		status     int
		has        string
	}{
		{"another pipeline", body("", "other"), 422, "is not in this pipeline"},
		{"itself", body("", "stage"), 422, "to itself"},
		{"a second factor", body("", "locked"), 403, `"two_factor"`},
		{"the container stack", body("", "docker"), 422, "container stack"},
		{"someone else's app", body("", "theirs"), 403, "forbidden"},
		{"an unknown release", body("c0000000-0000-4000-8000-000000000999", "prod"), 404, "release"},
		{"no targets", body(""), 422, "targets"},
	} {
		if status, b := s.promote(tt.body); status != tt.status || !strings.Contains(b, tt.has) {
			t.Errorf("%s: %d %s, want %d with %q", tt.name, status, b, tt.status, tt.has)
		}
	}
	if len(s.promotions) != 0 {
		t.Errorf("refused promotions were made: %d", len(s.promotions))
	}

	status, pb := s.promote(body(v3, "prod", "prod-eu"))
	var p struct {
		ID     string
		Source struct{ Release struct{ ID string } }
	}
	if json.Unmarshal([]byte(pb), &p); status != 201 || p.Source.Release.ID != v3 {
		t.Fatalf("promotion: %d %s", status, pb)
	}
	targets := s.targetsDone(p.ID)
	if !strings.Contains(targets, `"error_message":"Could not verify slug checksum","id":"30000000-0000-4000-8000-000000000002","pipeline_promotion":{"id":"`+p.ID+`"},"release":null,"status":"failed"`) {
		t.Errorf("the failing target: %s", targets)
	}
	prod := s.releases("prod")
	if last := prod[len(prod)-1]; last.Description != "Promote stage v3" || !last.Current {
		t.Errorf("prod's release: %+v", last)
	}
	_, pr := s.do("GET", "/apps/prod/releases/3", nil)
	if !strings.Contains(string(pr), `"artifacts":[{"id":"50000000-0000-4000-8000-000000000001","type":"slug"}]`) {
		t.Errorf("prod runs %s, want stage v3's slug (pinned, not the current v4)", pr)
	}
	if resp, b := s.do("GET", "/apps/prod/slugs/50000000-0000-4000-8000-000000000001", nil); resp.StatusCode != 200 || !strings.Contains(string(b), `"commit":"aaaa"`) {
		t.Errorf("the promoted slug on the target: %d %s", resp.StatusCode, b)
	}
}

// TestReleasesFromArtifactsAndRollbacks: POST /apps/{app}/releases by its
// body, Heroku's refusals, and retention.
func TestReleasesFromArtifactsAndRollbacks(t *testing.T) {
	s := start(t, Options{Apps: []string{"demo", "firapp:fir"}})
	node := map[string]string{"package.json": `{}`}
	s.finish(s.deploy(node, ""))
	s.finish(s.deploy(node, ""))
	rels := s.releases("demo")
	post := func(app, body string) (int, string) {
		resp, b := s.do("POST", "/apps/"+app+"/releases", strings.NewReader(body), "Content-Type: application/json")
		return resp.StatusCode, string(b)
	}
	for _, tt := range []struct {
		name, app, body string
		status          int
		has             string
	}{
		{"a slug", "demo", `{"slug":"50000000-0000-4000-8000-000000000001"}`, 201, `"description":"Deploy abc123"`},
		{"a rollback", "demo", `{"release":"` + rels[2].ID + `"}`, 201, `"description":"Rollback to v3"`},
		{"a rollback by version", "demo", `{"release":"3"}`, 404, "release"},
		{"a rollback to v1", "demo", `{"release":"` + rels[0].ID + `"}`, 422, "not eligible"},
		{"an unknown slug", "demo", `{"slug":"50000000-0000-4000-8000-000000000999"}`, 404, "slug"},
		{"a slug on Fir", "firapp", `{"slug":"50000000-0000-4000-8000-000000000001"}`, 422, "OCI images"},
		{"an image on Cedar", "demo", `{"oci_image":"90000000-0000-4000-8000-000000000001"}`, 422, "takes a slug"},
		{"a slug of another app", "firapp", `{"oci_image":"50000000-0000-4000-8000-000000000001"}`, 404, "OCI image"},
		{"nothing", "demo", `{}`, 422, "slug"},
		{"an unknown field", "demo", `{"slug":"x","force":true}`, 400, "bad_request"},
	} {
		if status, b := post(tt.app, tt.body); status != tt.status || !strings.Contains(b, tt.has) {
			t.Errorf("%s: %d %s, want %d with %q", tt.name, status, b, tt.status, tt.has)
		}
	}
	if err := s.Expire("demo", 4); err != nil {
		t.Fatal(err)
	}
	rels = s.releases("demo")
	if rels[2].Status != "expired" || rels[2].Eligible || rels[3].Status != "expired" {
		t.Errorf("after retention: %+v", rels[:4])
	}
	// v5 and v6 carry the slugs of v3 and v3 again: the slug of v3 lives
	// on; v4's is gone.
	if resp, _ := s.do("GET", "/apps/demo/slugs/50000000-0000-4000-8000-000000000001", nil); resp.StatusCode != 200 {
		t.Errorf("a slug a live release carries: %d", resp.StatusCode)
	}
	if resp, _ := s.do("GET", "/apps/demo/slugs/50000000-0000-4000-8000-000000000002", nil); resp.StatusCode != 404 {
		t.Errorf("an expired slug: %d", resp.StatusCode)
	}
	if status, b := post("demo", `{"release":"`+rels[2].ID+`"}`); status != 422 || !strings.Contains(b, "expired") {
		t.Errorf("a rollback to an expired release: %d %s", status, b)
	}
}

func TestParseHealth(t *testing.T) {
	name, h, err := parseHealth("my-app:503x3,slow=1s,200")
	if err != nil || name != "my-app" {
		t.Fatal(name, err)
	}
	var got []string
	for range 6 {
		st := h.next()
		got = append(got, fmt.Sprint(st.status, st.slow))
	}
	if want := "503 0s,503 0s,503 0s,200 1s,200 0s,200 0s"; strings.Join(got, ",") != want {
		t.Errorf("steps %s, want %s", strings.Join(got, ","), want)
	}
	_, h, _ = parseHealth("a-app:200,flap")
	got = nil
	for range 5 {
		got = append(got, fmt.Sprint(h.next().status))
	}
	if want := "200,500,200,500,200"; strings.Join(got, ",") != want {
		t.Errorf("flap: %s, want %s", strings.Join(got, ","), want)
	}
	for _, bad := range []string{"my-app", "my-app:", "my-app:99", "my-app:200x0", "my-app:slow=x", "Bad:200"} {
		if _, _, err := parseHealth(bad); err == nil {
			t.Errorf("ParseHealth(%q) accepted", bad)
		}
	}
}

// TestWebSide: an app's web_url (web option) answers as scripted, with
// the current release's version, and a key sent there is a problem.
func TestWebSide(t *testing.T) {
	s := start(t, Options{Apps: []string{"demo:web", "plain"}, Health: []string{"demo:500,302,200"}})
	_, app := s.do("GET", "/apps/demo", nil)
	if !strings.Contains(string(app), `"web_url":"`+s.url+`/web/demo/"`) {
		t.Fatalf("app: %s", app)
	}
	var got []string
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for range 3 {
		resp, err := client.Get(s.url + "/web/demo/healthz")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got = append(got, fmt.Sprint(resp.StatusCode, " ", strings.Contains(string(b), "Application Error"), " ", resp.Header.Get("Location")))
	}
	if want := "500 true ,302 false /web/demo/elsewhere,200 false "; strings.Join(got, ",") != want {
		t.Errorf("answers %q, want %q", strings.Join(got, ","), want)
	}
	if resp, _ := s.do("GET", s.url+"/web/plain/", nil); resp.StatusCode != 404 {
		t.Errorf("an app without the web option: %d", resp.StatusCode)
	}
	if p := s.Problems(); len(p) != 0 {
		t.Fatalf("Problems() = %q", p)
	}
	s.do("GET", s.url+"/web/demo/", nil, "Authorization: Bearer "+DefaultKey)
	if p := s.Problems(); len(p) != 1 || !strings.Contains(p[0], "GET /web/demo/ carried an Authorization header") {
		t.Errorf("Problems() = %q", p)
	}
}

func TestParseAppSpecOptions(t *testing.T) {
	a, err := parseAppSpec("my-app:pipeline=flow/staging,web,container,two-factor,promotion-fails,release-fails")
	if err != nil || a.Pipeline != "flow" || a.Stage != "staging" || !a.Web || !a.Container || !a.TwoFactor || !a.PromotionFails || !a.ReleaseFails {
		t.Errorf("%+v %v", a, err)
	}
	for _, bad := range []string{"my-app:pipeline=flow", "my-app:pipeline=flow/qa", "my-app:pipeline=Flow/staging"} {
		if _, err := parseAppSpec(bad); err == nil {
			t.Errorf("ParseAppSpec(%q) accepted", bad)
		}
	}
}
