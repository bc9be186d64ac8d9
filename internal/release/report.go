package release

import (
	"strconv"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// Report is what the dotenv report (artifacts:reports:dotenv) says of one
// app's new release.
type Report struct {
	App, WebURL, Generation string
	BuildID                 string // "" when the release made no build of its own
	ReleaseID               string
	ReleaseVersion          int
	ArtifactKind            string // "slug" or "oci-image"
	ArtifactID              string
	// Images a container release runs, by process type
	// (internal/container): its artifact when ArtifactKind is "".
	Images []Image
}

// Image is what one process type of a container release runs.
type Image struct {
	Type           string
	ManifestDigest string // as pushed to Heroku's registry (HEROKU_IMAGE_DIGEST)
	ImageID        string // the config digest released (HEROKU_IMAGE_ID)
}

// ReportOf is the report of rel, app's new release.
func ReportOf(app, webURL, generation string, rel *herokuapi.Release) Report {
	r := Report{App: app, WebURL: webURL, Generation: generation, ReleaseID: rel.ID, ReleaseVersion: rel.Version}
	r.ArtifactKind, r.ArtifactID = herokuapi.Artifact(rel)
	return r
}

// Vars are the report's dotenv lines, each name followed by suffix. A
// value Heroku did not give (an app without a URL) has no line: an empty
// HEROKU_APP_URL would make an empty environment URL.
func (r Report) Vars(suffix string) []ciout.Var {
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
	if r.ReleaseVersion > 0 { // 0: a release the key could not read
		add("HEROKU_RELEASE_VERSION", strconv.Itoa(r.ReleaseVersion))
	}
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

// Artifact names what the release runs, for a summary line.
func (r Report) Artifact() string {
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

// Suffix turns an app name into a variable-name suffix: my-app-prod →
// _MY_APP_PROD. App names are lowercase letters, digits and dashes, so
// two apps never share one.
func Suffix(app string) string {
	return "_" + strings.ToUpper(strings.ReplaceAll(app, "-", "_"))
}

// CheckDotenv checks --dotenv (the report of deploy, promote and rollback),
// if given, before any change.
func CheckDotenv(path string) error {
	if path == "" {
		return nil
	}
	if err := ciout.CheckDotenv(path); err != nil {
		return outcome.Inputf("--dotenv %s %v", path, err)
	}
	return nil
}
