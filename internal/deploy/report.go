package deploy

import (
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// Report writes the dotenv report of what was deployed to the file dotenv
// ("": none), then says in the job log what is live: the build and what
// it made, or, for a release of container images (no build), the images.
//
// A dry run deployed nothing: it writes no report (a later job would read
// one as a deploy) and says so.
func Report(s *session.Session, res *Result, dotenv string) error {
	if s.Dry() {
		s.NoReport(dotenv)
		return nil
	}
	if dotenv != "" {
		if err := ciout.WriteDotenv(dotenv, res.Vars("")); err != nil {
			return err
		}
	}
	var what []string
	if res.BuildID != "" {
		build := "build " + res.BuildID
		if res.Reused {
			build += " again"
		}
		what = append(what, build)
	}
	if a := res.Artifact(); a != "" {
		what = append(what, a)
	}
	if res.ReleaseVersion == 0 { // the key could not read it (release.MayBeUnreadable)
		s.Out.Step("Deployed %s: release %s, not read, its release phase unchecked (%s)", res.App, res.ReleaseID, strings.Join(what, ", "))
	} else {
		s.Out.Step("Deployed %s: release v%d (%s)", res.App, res.ReleaseVersion, strings.Join(what, ", "))
	}
	if res.WebURL != "" {
		s.Out.Line("%s", res.WebURL)
	}
	return nil
}
