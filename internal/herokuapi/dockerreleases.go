package herokuapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// dockerReleases is the Accept variant under which a formation batch
// update takes docker_image: "only available in the pre-release Heroku
// API docker-releases variant" (a Heroku engineer, heroku/terraform-
// provider-heroku#201); the Heroku CLI's container:release sends it
// (heroku/cli src/commands/container/release.ts). The field is not in the
// public v6 schema.
const dockerReleases = "docker-releases"

// DockerImage is one process type to run an image: Image is the image id,
// the config digest ("sha256:" and 64 hex digits) of a manifest pushed to
// registry.heroku.com/<app>/<type>.
type DockerImage struct {
	Type  string `json:"type"`
	Image string `json:"docker_image"`
}

// ReleaseImages releases images on a container-stack app: one PATCH
// /apps/{app}/formation under the docker-releases variant, which makes one
// release. It is never retried after an ambiguous failure (a repeat would
// make a second release): callers look for the release it may have made.
// The answer (the formation) is not read: the release is found in the
// release list.
func (c *Client) ReleaseImages(ctx context.Context, app string, images []DockerImage) error {
	if len(images) == 0 {
		return fmt.Errorf("release images on %s: no image", app)
	}
	body := map[string][]DockerImage{"updates": images}
	var out []Formation
	err := c.docker.Patch(ctx, &out, "/apps/"+app+"/formation", body)
	return shapeless("PATCH", "/apps/"+app+"/formation", err)
}

// variantOf is the Accept variant of req: "docker-releases" for
// "application/vnd.heroku+json; version=3.docker-releases", "" for plain
// version 3.
func variantOf(req *http.Request) string {
	_, v, ok := strings.Cut(req.Header.Get("Accept"), "version=3.")
	if !ok {
		return ""
	}
	return strings.TrimSpace(v)
}
