package classify

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/maintenance"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// Panic is the outcome of a recovered panic, r: a bug, which may have struck after the
// command changed something. So it never exits 2 ("nothing changed"): 6
// while maintenance mode may be on (maintenance.Around turns it off
// before it lets a panic go on, and the app stays listed only if that
// failed), else 4, "unknown", as for an answer that could not be read:
// what the command did before it stopped is not known. The message
// passes through the redactor like every other.
func Panic(r any) *outcome.Error {
	site := panicSite()
	if site != "" {
		site = " at " + site
	}
	err := outcome.New(outcome.Unknown, fmt.Errorf("internal error (a bug in heroku-deploy): panic: %v%s", r, site),
		"what the command had changed on Heroku before it stopped is unknown: check the app's activity in the Heroku dashboard",
		"please report this bug with the job log: "+issuesURL)
	if apps := maintenance.LeftOn(); len(apps) > 0 {
		err.Kind = outcome.MaintenanceOn
		for _, app := range apps {
			err.Hints = append(err.Hints, OffByHand(app))
		}
	}
	return err
}

// issuesURL is where bugs are reported (inferred from the module path).
const issuesURL = "https://gitlab.com/heroku-deploy/heroku/-/issues"

// panicSite is where the panic being recovered (by Panic's caller) began, as
// "internal/promote/promote.go:123": the first frame outside the runtime
// after the last runtime.gopanic (a panic re-raised by a deferred call,
// as maintenance.Around does, sits on top of the first one's frames).
func panicSite() string {
	pc := make([]uintptr, 64)
	frames := runtime.CallersFrames(pc[:runtime.Callers(3, pc)])
	site, after := "", false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			after = true
		case after && !strings.HasPrefix(f.Function, "runtime."):
			site, after = fmt.Sprintf("%s:%d", moduleFile(f.File), f.Line), false
		}
		if !more {
			return site
		}
	}
}

// moduleFile is a source path from the module's root.
func moduleFile(path string) string {
	for _, dir := range []string{"/internal/", "/cmd/"} {
		if i := strings.LastIndex(path, dir); i >= 0 {
			return path[i+1:]
		}
	}
	return filepath.Base(path)
}
