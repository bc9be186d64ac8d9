package promote

import (
	"fmt"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/release"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// Report says in the job log what each target now runs, then writes the
// dotenv report to the file dotenv ("": none): one set of variables, or,
// with several targets, one set each, suffixed with the app's name. A
// target without its release is unknown: the promotion may have gone
// through.
//
// A dry run promoted nothing: no report.
func Report(s *session.Session, res *Result, dotenv string) error {
	if s.Dry() {
		s.NoReport(dotenv)
		return nil
	}
	var vars []ciout.Var
	for _, t := range res.Targets {
		if t.Release == nil { // Promote reports a success only with its release
			return &follow.Unknown{App: t.App, Msg: fmt.Sprintf("the promotion to %s ended without its release: the promotion may have gone through", t.App)}
		}
		r := release.ReportOf(t.App, t.WebURL, t.Generation, t.Release)
		if len(res.Images) > 0 { // a container promotion: what it released is the images
			r.ArtifactKind, r.ArtifactID, r.Images = "", "", res.Images
		}
		suffix := ""
		if len(res.Targets) > 1 {
			suffix = release.Suffix(t.App)
		}
		vars = append(vars, r.Vars(suffix)...)
		s.Out.Step("Promoted %s to %s: release v%d (%s)", res.Source, t.App, t.Release.Version, r.Artifact())
		if t.WebURL != "" {
			s.Out.Line("%s", t.WebURL)
		}
	}
	if dotenv != "" {
		return ciout.WriteDotenv(dotenv, vars)
	}
	return nil
}
