package herokuapi

import (
	"context"
	"io"
)

// ConfigVars returns the app's config vars. Every value is a secret: it
// must never reach a log line or an error.
func (c *Client) ConfigVars(ctx context.Context, app string) (map[string]string, error) {
	m, err := c.api.ConfigVarInfoForApp(ctx, app)
	if err != nil {
		return nil, Clean(err)
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v != nil {
			out[k] = *v
			c.cfg.Secret(*v) // a log line that prints it must show it masked
		}
	}
	return out, nil
}

// UpdateConfigVars sets (a value) and removes (nil) config vars in one
// PATCH, which makes one release and restarts the app's dynos. Heroku
// answers with every config var of the app: the answer is discarded unread.
func (c *Client) UpdateConfigVars(ctx context.Context, app string, patch map[string]*string) error {
	return Clean(c.api.Patch(ctx, io.Discard, "/apps/"+app+"/config-vars", patch))
}
