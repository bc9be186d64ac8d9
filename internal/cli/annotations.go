package cli

import (
	"fmt"

	"github.com/alecthomas/kong"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// AnnotationsFlag is --annotations, on every command that changes an app:
// GitLab's annotations report of links to what the run changed
// (internal/jobpage), written when the command ends, whatever its outcome
// (run: writeLinks).
type AnnotationsFlag struct {
	Annotations string `placeholder:"FILE" help:"Write links to what the command changed here, as GitLab's annotations report (artifacts:reports:annotations): each app's URL, its build and release on Heroku's dashboard, its activity page. Written when the command ends, also when it fails after a change."`
}

// AfterApply checks, while parsing and so before any request, that the
// report can be written the way it will be (ciout.CheckReport).
func (f *AnnotationsFlag) AfterApply() error {
	if f.Annotations == "" {
		return nil
	}
	if err := ciout.CheckReport(f.Annotations); err != nil {
		return outcome.Inputf("--annotations %s %v", f.Annotations, err)
	}
	return nil
}

// annotationsFile is where the command writes its annotations report ("":
// none).
func (f *AnnotationsFlag) annotationsFile() string { return f.Annotations }

// writeLinks writes the annotations report of the command kctx selected,
// if it takes one and was given a file: the links the session recorded,
// none in which the redactor finds a secret. A report that cannot be
// written is a warning: the links are for people, and the command's
// outcome stands.
func (g *globals) writeLinks(kctx *kong.Context) {
	a, ok := target(kctx).(interface{ annotationsFile() string })
	if !ok || a.annotationsFile() == "" {
		return
	}
	if isDryRun(kctx) {
		g.out.Step("(dry run) No annotations report written to %s: its links would point at changes never made", a.annotationsFile())
		return
	}
	left, err := g.links.Write(a.annotationsFile(), func(s string) bool { return g.redact.String(s) != s })
	if left > 0 {
		g.voice.Warn(fmt.Sprintf("%d link(s) left out of the annotations report: they would show a secret", left))
	}
	if err != nil {
		g.voice.Warn(fmt.Sprintf("--annotations %s: %v; the job's page has no links to what changed", a.annotationsFile(), err))
	}
}
