package oneoff

import (
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// Ask is what run is asked, as its flags say it.
type Ask struct {
	App     string
	Command string   // --command: one shell command line
	Args    []string // the words after --
	Size    string
	Timeout time.Duration // --timeout, which bounds the dyno's life (TimeToLive)
}

// Check checks the command, the size and the timeout before any request
// and returns the run's config so far (without its Env and Attach).
func (a Ask) Check() (Config, error) {
	cfg := Config{App: a.App, Args: a.Args, Size: a.Size}
	switch {
	case a.Command != "" && len(a.Args) > 0:
		return cfg, outcome.Input("the command is given twice: as --command (or HEROKU_DEPLOY_COMMAND) and after --")
	case a.Command != "":
		cfg.Args = []string{a.Command}
	case len(a.Args) == 0 || a.Args[0] == "":
		return cfg, outcome.Input("no command to run", "heroku-deploy run --app NAME -- COMMAND [ARGS...]")
	}
	if a.Size != "" && !herokuapi.ValidDynoSize(a.Size) {
		return cfg, outcome.Inputf("--size %q is not a dyno size", a.Size)
	}
	ttl, err := TimeToLive(a.Timeout)
	if err != nil {
		return cfg, outcome.Inputf("--timeout %s is too long: %v", a.Timeout, err)
	}
	cfg.TimeToLive = ttl
	return cfg, nil
}
