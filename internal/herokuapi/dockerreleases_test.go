package herokuapi

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestReleaseImagesSendsTheVariantOnce: the release of images goes under
// the docker-releases Accept with the CLI's body, and a 503 (it may have
// made the release) is not sent again.
func TestReleaseImagesSendsTheVariantOnce(t *testing.T) {
	var accept, body string
	s, c := serve(t, func(r *http.Request) (int, string) {
		accept = r.Header.Get("Accept")
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		return 503, `{"id":"unavailable","message":"try later"}`
	})
	id := "sha256:" + strings.Repeat("ab", 32)
	err := c.ReleaseImages(context.Background(), "app", []DockerImage{{Type: "web", Image: id}, {Type: "release", Image: id}})
	if !Ambiguous(err) || s.n.Load() != 1 {
		t.Errorf("503: err %v, sent %d times: want one ambiguous request", err, s.n.Load())
	}
	if accept != "application/vnd.heroku+json; version=3.docker-releases" {
		t.Errorf("Accept %q", accept)
	}
	want := `{"updates":[{"type":"web","docker_image":"` + id + `"},{"type":"release","docker_image":"` + id + `"}]}`
	if strings.TrimSpace(body) != want {
		t.Errorf("body %s, want %s", body, want)
	}
}
