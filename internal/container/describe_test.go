package container

import (
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
)

func rel(v int, status, desc string, current bool) herokuapi.Release {
	return herokuapi.Release{ID: "r" + strings.Repeat("x", v), Version: v, Status: status, Description: desc, Current: current}
}

// TestRunningImage: which image an app runs for a type, read from its
// releases (newest first): a config release runs the release before's, a
// failed release never served, a rollback runs its target's, a release of
// other types leaves a type's image as it was.
func TestRunningImage(t *testing.T) {
	a, b, w := "aaaaaaaaaaaa", "bbbbbbbbbbbb", "0f0f0f0f0f0f"
	for _, tc := range []struct {
		name string
		list []herokuapi.Release
		typ  string
		want running
		ok   bool
	}{
		{"current deploy", []herokuapi.Release{rel(3, "succeeded", "Deployed web ("+a+")", true)}, "web", running{a, 3}, true},
		{"config release after a failed deploy", []herokuapi.Release{
			rel(5, "succeeded", "Set FOO config vars", true),
			rel(4, "failed", "Deployed web ("+b+")", false),
			rel(3, "succeeded", "Deployed web ("+a+"), worker ("+w+")", false),
		}, "web", running{a, 3}, true},
		{"rollback", []herokuapi.Release{
			rel(5, "succeeded", "Rollback to v3", true),
			rel(4, "succeeded", "Deployed web ("+b+")", false),
			rel(3, "succeeded", "Deployed web ("+a+")", false),
		}, "web", running{a, 3}, true},
		{"another type's release", []herokuapi.Release{
			rel(4, "succeeded", "Deployed web ("+b+")", true),
			rel(3, "succeeded", "Deployed web ("+a+"), worker ("+w+")", false),
		}, "worker", running{w, 3}, true},
		{"never deployed", []herokuapi.Release{rel(2, "succeeded", "Enable Logplex", true), rel(1, "succeeded", "Initial release", false)}, "web", running{}, false},
		{"no current release", []herokuapi.Release{rel(3, "failed", "Deployed web ("+a+")", false)}, "web", running{}, false},
		{"not Heroku's description", []herokuapi.Release{rel(3, "succeeded", "Deployed web (not-hex)", true)}, "web", running{}, false},
	} {
		got, ok := runningImage(tc.list, tc.typ)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: %+v %v, want %+v %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// TestDescriptionRoundTrips: what the simulator writes and the promotion
// reads is one format (herokux's, for one type).
func TestDescriptionRoundTrips(t *testing.T) {
	id := "sha256:0123456789abcdef" + strings.Repeat("0", 48)
	imgs := []herokuapi.DockerImage{{Type: "web", Image: id}, {Type: "release", Image: id}}
	d := Description(imgs)
	if d != "Deployed web (0123456789ab), release (0123456789ab)" || !names(d, imgs) {
		t.Errorf("%q", d)
	}
	if names("Deployed web (0123456789ab)", imgs) {
		t.Error("a release of web alone names the release type's image too")
	}
}
