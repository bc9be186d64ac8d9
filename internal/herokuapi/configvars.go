package herokuapi

import (
	"context"
)

// ConfigVars returns the app's config vars. Every value is a secret: it
// must never reach a log line or an error.
func (c *Client) ConfigVars(ctx context.Context, app string) (map[string]string, error) {
	m, err := c.api.ConfigVarInfoForApp(ctx, app)
	if err != nil {
		return nil, Clean(err)
	}
	return c.secretValues(m), nil
}

// UpdateConfigVars sets (a value) and removes (nil) config vars in one
// PATCH, which makes one release and restarts the app's dynos. Heroku
// answers with every config var of the app as the change left them: they
// are returned, secrets as ConfigVars', for the caller to check the change
// against what it asked.
func (c *Client) UpdateConfigVars(ctx context.Context, app string, patch map[string]*string) (map[string]string, error) {
	var m map[string]*string
	if err := c.api.Patch(ctx, &m, "/apps/"+app+"/config-vars", patch); err != nil {
		return nil, Clean(err)
	}
	return c.secretValues(m), nil
}

// secretValues is a config without its nulls, each value registered as a
// secret: a log line that prints it must show it masked.
func (c *Client) secretValues(m map[string]*string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v != nil {
			out[k] = *v
			c.cfg.Secret(*v)
		}
	}
	return out
}
