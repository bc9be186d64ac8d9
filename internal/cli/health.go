package cli

import (
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/health"
)

// HealthFlags are the health-check flags of the commands that make a
// release serve (deploy, promote).
type HealthFlags struct {
	HealthCheck         string        `name:"health-check" env:"HEROKU_DEPLOY_HEALTH_CHECK" placeholder:"PATH|URL" help:"After the release, GET this path of the app's URL (or this URL) until it answers 2xx or 3xx; if it never does, roll back and fail."`
	HealthCheckTimeout  time.Duration `name:"health-check-timeout" env:"HEROKU_DEPLOY_HEALTH_CHECK_TIMEOUT" default:"2m" help:"How long the health check may take (default ${default})."`
	HealthCheckContains string        `name:"health-check-contains" env:"HEROKU_DEPLOY_HEALTH_CHECK_CONTAINS" placeholder:"TEXT" help:"The health check also needs this text in the answer."`
	RollbackOnFailure   bool          `name:"rollback-on-failure" env:"HEROKU_DEPLOY_ROLLBACK_ON_FAILURE" default:"true" negatable:"" help:"When the health check fails, roll back to the release that was current before (default ${default})."`
}

func (f *HealthFlags) options() health.Options {
	return health.Options{Check: f.HealthCheck, Contains: f.HealthCheckContains, Timeout: f.HealthCheckTimeout,
		Rollback: f.RollbackOnFailure}
}
