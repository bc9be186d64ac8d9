package cli

// The narrowest OAuth scope each command needs for what its flags ask
// (docs/keys.md's table, which TestKeysDocScopes holds these to): a scope
// 403's hint names it when the refused call accepts it (classify.Context
// .Scope). What each call accepts is Heroku's Oauth-Scope-Accepted
// (internal/herokusim/scope.go's table): config vars and releases need a
// protected scope, changes need write.

const (
	scopeRead      = "read"
	scopeWrite     = "write"
	scopeWriteRP   = "write,read-protected" // changes, and reads of releases
	scopeWriteProt = "write-protected"      // config vars, or a release made through the releases endpoint
)

// A deploy writes config vars (--config-var), may release an earlier
// build again (POST /apps/{app}/releases: without --rebuild), or roll back
// a failed health check: write-protected. A container deploy reads the
// releases to tell its own apart; a build alone needs write, its release
// phase then unfollowed (docs/keys.md).
func (c *deployCmd) oauthScope() string {
	rollback := c.HealthCheck != "" && c.RollbackOnFailure
	switch {
	case len(c.ConfigVar) > 0 || rollback:
		return scopeWriteProt
	case c.Image != "" || len(c.ImageFor) > 0:
		return scopeWriteRP
	case !c.Rebuild:
		return scopeWriteProt
	}
	return scopeWrite
}

// A promotion reads the source's releases (its commit) and follows the
// targets' releases; a failed health check's rollback is a protected
// write.
func (c *promoteCmd) oauthScope() string {
	if c.HealthCheck != "" && c.RollbackOnFailure {
		return scopeWriteProt
	}
	return scopeWriteRP
}

func (c *rollbackCmd) oauthScope() string    { return scopeWriteProt }
func (c *configSetCmd) oauthScope() string   { return scopeWriteProt }
func (c *maintenanceCmd) oauthScope() string { return scopeWrite }
func (c *restartCmd) oauthScope() string     { return scopeWrite }

// scale without changes only reads the formation.
func (c *scaleCmd) oauthScope() string {
	if len(c.Changes) == 0 {
		return scopeRead
	}
	return scopeWrite
}

// run: a one-off dyno is a write [inferred: Heroku may protect it, the
// dyno seeing the app's config vars].
func (c *runCmd) oauthScope() string { return scopeWrite }

// A review deploy is a deploy, and its app setup (app.json) sets config
// vars; --config-from reads another app's.
func (c *reviewDeployCmd) oauthScope() string {
	rollback := c.HealthCheck != "" && c.RollbackOnFailure
	if len(c.ConfigVar) > 0 || c.ConfigFrom != "" || rollback || !c.Rebuild {
		return scopeWriteProt
	}
	return scopeWrite
}

func (c *reviewDestroyCmd) oauthScope() string { return scopeWrite }

// A dry run only reads.
func (c *reviewSweepCmd) oauthScope() string {
	if c.DryRun {
		return scopeRead
	}
	return scopeWrite
}
