package container

import (
	"fmt"
	"strings"
)

// The safety checks of a container promotion (exit 5): each stops it
// before anything changed, and says what it found.

// NotPushedError is a source app whose registry holds no image for a
// process type it runs: <app>/<type>:latest does not exist (an image
// pushed by another path and since deleted, or never pushed there).
type NotPushedError struct{ App, Type string }

func (e *NotPushedError) Error() string {
	return fmt.Sprintf("%s/%s:latest does not exist in Heroku's registry: the image %s runs cannot be copied; nothing was promoted", e.App, e.Type, e.App)
}

// LatestMismatchError is a registry whose latest tag holds another image
// than the one the app runs: a push that was never released (or released
// and then replaced by a rollback the description does not show).
type LatestMismatchError struct {
	App, Type      string
	Latest         string // image id latest holds
	Running        string // the first 12 hex digits of the image id the app runs
	RunningVersion int    // the release that deployed it
	// RolledBack is the release that deployed latest's image, which the
	// app was rolled back away from (a failed health check's rollback);
	// 0: latest's image was never released.
	RolledBack int
}

func (e *LatestMismatchError) Error() string {
	what := "the registry holds a push that was never released"
	if e.RolledBack != 0 {
		what = fmt.Sprintf("the registry holds the image of release v%d, which %s was rolled back away from", e.RolledBack, e.App)
	}
	return fmt.Sprintf("%s/%s:latest holds image %s, but %s runs image %s (release v%d): %s; nothing was promoted",
		e.App, e.Type, short12(e.Latest), e.App, e.Running, e.RunningVersion, what)
}

// NoRevisionError is an image without the revision label, so the commit it
// was built from cannot be checked.
type NoRevisionError struct {
	App, Type, ImageID string
}

func (e *NoRevisionError) Error() string {
	return fmt.Sprintf("the image %s runs for %s (%s) has no %s label: the commit it was built from is unknown; nothing was promoted",
		e.App, e.Type, short12(e.ImageID), revisionLabel)
}

// NotRunningError is a process type whose image the source's releases do
// not name, among those listed.
type NotRunningError struct {
	App, Type string
	Listed    int
}

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("none of the %d newest releases of %s says which image it runs for %s: nothing was promoted", e.Listed, e.App, e.Type)
}

// MixedCommitsError is images of one promotion built from different
// commits (each process type's own image).
type MixedCommitsError struct {
	App     string
	Commits map[string]string // type -> revision
}

func (e *MixedCommitsError) Error() string {
	var each []string
	for t, c := range e.Commits {
		each = append(each, t+" "+shortCommit(c))
	}
	return fmt.Sprintf("the images %s runs were built from different commits (%s): nothing was promoted", e.App, strings.Join(sorted(each), ", "))
}
