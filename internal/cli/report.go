package cli

import (
	"strconv"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/container"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
)

// report is what the dotenv report says of one app's new release.
type report struct {
	App, WebURL, Generation string
	BuildID                 string // "" when the release made no build of its own
	ReleaseID               string
	ReleaseVersion          int
	ArtifactKind            string // "slug" or "oci-image"
	ArtifactID              string
	// Images a container release runs, by process type.
	Images []container.Image
}

func reportOf(app, webURL, generation string, rel *herokuapi.Release) report {
	r := report{App: app, WebURL: webURL, Generation: generation, ReleaseID: rel.ID, ReleaseVersion: rel.Version}
	r.ArtifactKind, r.ArtifactID = herokuapi.Artifact(rel)
	return r
}

// vars are the report's dotenv lines, each name followed by suffix. A
// value Heroku did not give (an app without a URL) has no line: an empty
// HEROKU_APP_URL would make an empty environment URL.
func (r report) vars(suffix string) []ciout.Var {
	var vars []ciout.Var
	add := func(name, value string) {
		if value != "" {
			vars = append(vars, ciout.Var{Name: name + suffix, Value: value})
		}
	}
	add("HEROKU_APP_NAME", r.App)
	add("HEROKU_APP_URL", r.WebURL)
	add("HEROKU_APP_GENERATION", r.Generation)
	add("HEROKU_BUILD_ID", r.BuildID)
	add("HEROKU_RELEASE_ID", r.ReleaseID)
	add("HEROKU_RELEASE_VERSION", strconv.Itoa(r.ReleaseVersion))
	switch r.ArtifactKind {
	case "slug":
		add("HEROKU_SLUG_ID", r.ArtifactID)
	case "oci-image":
		add("HEROKU_OCI_IMAGE_ID", r.ArtifactID)
	}
	// A container release: the first type's image unsuffixed (--image's),
	// each type's with its name when there are several.
	for i, img := range r.Images {
		if i == 0 {
			add("HEROKU_IMAGE_DIGEST", img.ManifestDigest)
			add("HEROKU_IMAGE_ID", img.ImageID)
		}
		if len(r.Images) > 1 {
			t := "_" + strings.ToUpper(strings.ReplaceAll(img.Type, "-", "_"))
			add("HEROKU_IMAGE_DIGEST"+t, img.ManifestDigest)
			add("HEROKU_IMAGE_ID"+t, img.ImageID)
		}
	}
	return vars
}

// artifact names what the release runs, for a summary line.
func (r report) artifact() string {
	switch r.ArtifactKind {
	case "slug":
		return "slug " + r.ArtifactID
	case "oci-image":
		return "OCI image " + r.ArtifactID
	}
	var each []string
	for _, img := range r.Images {
		each = append(each, img.Type+" "+img.ImageID)
	}
	return strings.Join(each, ", ")
}

// suffixOf turns an app name into a variable-name suffix: my-app-prod →
// _MY_APP_PROD. App names are lowercase letters, digits and dashes, so
// two apps never share one.
func suffixOf(app string) string {
	return "_" + strings.ToUpper(strings.ReplaceAll(app, "-", "_"))
}
