package deploy

import (
	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// Report writes the dotenv report of what was deployed to the file dotenv
// ("": none), then says in the job log what is live.
func Report(s *session.Session, res *Result, dotenv string) error {
	if dotenv != "" {
		if err := ciout.WriteDotenv(dotenv, res.Vars("")); err != nil {
			return err
		}
	}
	build := "build " + res.BuildID
	if res.Reused {
		build += " again"
	}
	if a := res.Artifact(); a != "" {
		build += ", " + a
	}
	s.Out.Step("Deployed %s: release v%d (%s)", res.App, res.ReleaseVersion, build)
	if res.WebURL != "" {
		s.Out.Line("%s", res.WebURL)
	}
	return nil
}
