package container

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/image"
	"gitlab.com/heroku-deploy/heroku/internal/release"
)

const revisionLabel = image.RevisionLabel

// What Heroku writes as the description of a release of images: "Deployed
// web (0123456789ab)", the process type and the first 12 hex digits of
// the image id; Terraform's herokux finds its container release by exactly
// that string (davidji99/terraform-provider-herokux,
// herokux/resource_herokux_app_container_release.go,
// containerReleaseStateRefreshFunc) [inferred: not documented by Heroku].
// For several types in one release: "Deployed web (…), worker (…)"
// [inferred].
var (
	deployedRE = regexp.MustCompile(`^Deployed (.+)$`)
	typeRE     = regexp.MustCompile(`^([-\w]{1,128}) \(([0-9a-f]{12})\)$`)
)

// Description is what Heroku writes for a release of images.
func Description(images []herokuapi.DockerImage) string {
	var each []string
	for _, i := range images {
		each = append(each, fmt.Sprintf("%s (%s)", i.Type, short12(i.Image)))
	}
	return "Deployed " + strings.Join(each, ", ")
}

// imagesNote names images for a job page's link: "web 0123456789ab,
// worker 89abcdef0123". No link goes to an image itself: Heroku's
// registry has no page for one, and a source registry's URL is an API's.
func imagesNote(images []herokuapi.DockerImage) string {
	var each []string
	for _, i := range images {
		each = append(each, i.Type+" "+short12(i.Image))
	}
	return strings.Join(each, ", ")
}

// deployed reads a release description as one of a release of images:
// type -> the first 12 hex digits of its image id; nil when it is not one.
func deployed(desc string) map[string]string {
	m := deployedRE.FindStringSubmatch(desc)
	if m == nil {
		return nil
	}
	out := map[string]string{}
	for _, part := range strings.Split(m[1], ", ") {
		t := typeRE.FindStringSubmatch(part)
		if t == nil {
			return nil
		}
		out[t[1]] = t[2]
	}
	return out
}

// running is the image an app runs for a process type, as its releases
// say: Version is the release that deployed it.
type running struct {
	Short   string // first 12 hex digits of the image id
	Version int
}

// runningImage reads, from list (newest first), which image the app runs
// for typ: the current release's description names it, or the release's a
// rollback went back to, or, for a release that names no image of typ (a
// config change, a release of other types), the newest release before it
// that succeeded (a failed one never served). ok false when the list does
// not tell.
func runningImage(list []herokuapi.Release, typ string) (running, bool) {
	v := release.Current(list)
	for steps := 0; v != nil && steps <= len(list); steps++ {
		if imgs := deployed(v.Description); imgs[typ] != "" {
			return running{Short: imgs[typ], Version: v.Version}, true
		}
		if to := release.RolledBackTo(v); to != 0 {
			v = byVersion(list, to)
			continue
		}
		v = succeededBefore(list, v.Version)
	}
	return running{}, false
}

// deployedOf returns the newest release of list that deployed image short
// for typ, nil if none.
func deployedOf(list []herokuapi.Release, typ, short string) *herokuapi.Release {
	for i := range list {
		if deployed(list[i].Description)[typ] == short {
			return &list[i]
		}
	}
	return nil
}

// anyDeployed reports whether list holds a release of images at all.
func anyDeployed(list []herokuapi.Release) bool {
	for i := range list {
		if deployed(list[i].Description) != nil {
			return true
		}
	}
	return false
}

func byVersion(list []herokuapi.Release, v int) *herokuapi.Release {
	for i := range list {
		if list[i].Version == v {
			return &list[i]
		}
	}
	return nil
}

func succeededBefore(list []herokuapi.Release, v int) *herokuapi.Release {
	var best *herokuapi.Release
	for i := range list {
		r := &list[i]
		if r.Version < v && r.Status == "succeeded" && (best == nil || r.Version > best.Version) {
			best = r
		}
	}
	return best
}

// short12 is the first 12 hex digits of an image id, as Heroku shows it.
func short12(id string) string {
	h := strings.TrimPrefix(id, "sha256:")
	return h[:min(12, len(h))]
}

func shortCommit(c string) string {
	if c == "" {
		return "no commit recorded"
	}
	return c[:min(8, len(c))]
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}
