package herokusim

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDockerReleases: the formation update under docker-releases releases
// an image pushed to <app>/<type>:latest, with Heroku's description, on a
// container-stack app only; without the variant, docker_image is an
// unknown field.
func TestDockerReleases(t *testing.T) {
	s := start(t, Options{Apps: []string{"box:container", "classic"}})
	_, id := PushTestImage(s.HerokuRegistry(), "box/web", "latest", SourceImage{})
	_, other := PushTestImage(s.HerokuRegistry(), "box/worker", "latest", SourceImage{Seed: "other"})
	variant := "Accept: application/vnd.heroku+json; version=3.docker-releases"
	body := func(typ, img string) string {
		return `{"updates":[{"type":"` + typ + `","docker_image":"` + img + `"}]}`
	}
	for _, tc := range []struct {
		name, app, body string
		hdr             []string
		status          int
	}{
		{"no variant", "box", body("web", id), nil, 400},
		{"not a container app", "classic", body("web", id), []string{"-Accept", variant}, 422},
		{"not an image id", "box", body("web", "sha256:abc"), []string{"-Accept", variant}, 422},
		{"not what latest holds", "box", body("web", other), []string{"-Accept", variant}, 422},
		{"no updates", "box", `{"updates":[]}`, []string{"-Accept", variant}, 422},
		{"released", "box", body("web", id), []string{"-Accept", variant}, 200},
	} {
		resp, b := s.do("PATCH", "/apps/"+tc.app+"/formation", strings.NewReader(tc.body), tc.hdr...)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, b, tc.status)
		}
	}
	_, b := s.do("GET", "/apps/box/releases/3", nil)
	var rel struct {
		Description string
		Status      string
		Current     bool
		Slug        any
	}
	json.Unmarshal(b, &rel)
	if want := "Deployed web (" + id[7:19] + ")"; rel.Description != want || rel.Status != "succeeded" || !rel.Current || rel.Slug != nil {
		t.Errorf("release v3: %s; want %q, succeeded, current, slug null", b, want)
	}
	if out, _ := s.DescribeImages("box"); out != "web "+id+"\n" {
		t.Errorf("images: %q", out)
	}
}
