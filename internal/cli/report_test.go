package cli

import (
	"slices"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
)

func TestReportVars(t *testing.T) {
	r := report{App: "my-app-eu", Generation: "fir", ReleaseID: "r1", ReleaseVersion: 7, ArtifactKind: "oci-image", ArtifactID: "i1"}
	want := []ciout.Var{
		{Name: "HEROKU_APP_NAME_MY_APP_EU", Value: "my-app-eu"},
		{Name: "HEROKU_APP_GENERATION_MY_APP_EU", Value: "fir"},
		{Name: "HEROKU_RELEASE_ID_MY_APP_EU", Value: "r1"},
		{Name: "HEROKU_RELEASE_VERSION_MY_APP_EU", Value: "7"},
		{Name: "HEROKU_OCI_IMAGE_ID_MY_APP_EU", Value: "i1"},
	}
	if got := r.vars(suffixOf(r.App)); !slices.Equal(got, want) {
		t.Errorf("vars:\n%v\nwant\n%v", got, want)
	}
}

// TestComponentVariables: the variables as the components render them
// (issue 12's boolean as text with a newline, an empty health check) read
// as the flags they stand for.
func TestComponentVariables(t *testing.T) {
	vars := map[string]string{
		"HEROKU_DEPLOY_APP": "my-app", "HEROKU_DEPLOY_REBUILD": "true\n", "HEROKU_DEPLOY_HEALTH_CHECK": "",
		"HEROKU_DEPLOY_FROM": "my-app-staging", "HEROKU_DEPLOY_TO": "my-app-production",
	}
	env := environment{Getenv: func(k string) string { return vars[k] }, Lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
	for _, cmd := range []string{"deploy", "promote"} {
		var c commandLine
		parser, err := newParser(&c, "test", env)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parser.Parse([]string{cmd}); err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		switch cmd {
		case "deploy":
			if !c.Deploy.Rebuild || c.Deploy.HealthCheck != "" || !c.Deploy.RollbackOnFailure {
				t.Errorf("deploy: %+v", c.Deploy)
			}
		case "promote":
			if c.Promote.From != "my-app-staging" || !slices.Equal(c.Promote.To, []string{"my-app-production"}) {
				t.Errorf("promote: %+v", c.Promote)
			}
		}
	}
	vars["HEROKU_DEPLOY_REBUILD"] = "false\n"
	var c commandLine
	parser, _ := newParser(&c, "test", env)
	if _, err := parser.Parse([]string{"deploy"}); err != nil || c.Deploy.Rebuild {
		t.Errorf("rebuild %q: %v %v", vars["HEROKU_DEPLOY_REBUILD"], c.Deploy.Rebuild, err)
	}
}
