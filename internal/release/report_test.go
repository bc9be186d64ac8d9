package release

import (
	"slices"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
)

func TestReportVars(t *testing.T) {
	r := Report{App: "my-app-eu", Generation: "fir", ReleaseID: "r1", ReleaseVersion: 7, ArtifactKind: "oci-image", ArtifactID: "i1"}
	want := []ciout.Var{
		{Name: "HEROKU_APP_NAME_MY_APP_EU", Value: "my-app-eu"},
		{Name: "HEROKU_APP_GENERATION_MY_APP_EU", Value: "fir"},
		{Name: "HEROKU_RELEASE_ID_MY_APP_EU", Value: "r1"},
		{Name: "HEROKU_RELEASE_VERSION_MY_APP_EU", Value: "7"},
		{Name: "HEROKU_OCI_IMAGE_ID_MY_APP_EU", Value: "i1"},
	}
	if got := r.Vars(Suffix(r.App)); !slices.Equal(got, want) {
		t.Errorf("vars:\n%v\nwant\n%v", got, want)
	}
}
