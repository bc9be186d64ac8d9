package herokuapi

import (
	"context"
	"errors"
	"fmt"
	"io"

	heroku "github.com/heroku/heroku-go/v6"

	"gitlab.com/heroku-deploy/heroku/internal/pause"
)

// Dyno is a one-off or formation dyno.
type Dyno = heroku.Dyno

// DynoRequest is what a one-off dyno is made from.
type DynoRequest struct {
	Command string
	Attach  bool              // stream its input and output through attach_url
	Env     map[string]string // added to the app's config vars; secrets: never logged
	Size    string            // "" for the app's default
	// TimeToLive bounds the dyno on Heroku's side, in seconds (at most
	// 86400): it ends even if the client that started it dies.
	TimeToLive int
	// Stop, once done, ends the retries after a 409: a command must not
	// start after a stop. The request in flight still gets its answer.
	Stop context.Context
}

// createDynoTries bounds dyno creation attempts after a 409, which Heroku
// answers when the app's release is not ready yet (the Heroku CLI tries
// three times too).
const createDynoTries = 3

// DynoCreate starts a one-off dyno. It is never repeated after an ambiguous
// failure: that would run the command twice.
func (c *Client) DynoCreate(ctx context.Context, app string, r DynoRequest) (*Dyno, error) {
	noTTY := true // CI has no terminal: no echo, no CRLF line endings
	o := heroku.DynoCreateOpts{Command: r.Command, Attach: &r.Attach, Env: r.Env, ForceNoTty: &noTTY}
	if r.Size != "" {
		o.Size = &r.Size
	}
	if r.TimeToLive > 0 {
		o.TimeToLive = &r.TimeToLive
	}
	retry := ctx // the retries end with it, and with r.Stop
	if r.Stop != nil {
		var cancel context.CancelFunc
		retry, cancel = context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(r.Stop, cancel)()
	}
	for attempt := 1; ; attempt++ {
		d, err := c.api.DynoCreate(ctx, app, o)
		if err == nil || StatusOf(err) != 409 || attempt >= createDynoTries {
			return d, Clean(err)
		}
		c.cfg.Notify(fmt.Sprintf("%v; retrying", Clean(err)))
		// The release needs a moment to be ready: asking again at once
		// would meet the same 409. A pause can end on time as the stop
		// comes: the stop is checked after it too.
		if pause.For(retry, backoff(c.cfg.RetryWaitMin, c.cfg.RetryWaitMax, attempt-1, nil)) != nil || retry.Err() != nil {
			return nil, Clean(err)
		}
	}
}

// DynoList lists the app's dynos.
func (c *Client) DynoList(ctx context.Context, app string) ([]Dyno, error) {
	list, err := c.api.DynoList(ctx, app, nil)
	return list, Clean(err)
}

// DynoInfo returns a dyno by id or name. A one-off dyno that ended is
// gone, a 404 (inferred: internal/herokusim/README.md, "Formation and
// dynos").
func (c *Client) DynoInfo(ctx context.Context, app, id string) (*Dyno, error) {
	d, err := c.api.DynoInfo(ctx, app, id)
	return d, Clean(err)
}

// DynoStop stops a dyno. Repeating it changes nothing.
func (c *Client) DynoStop(ctx context.Context, app, id string) error {
	_, err := c.api.DynoStop(retrySafe(ctx), app, id)
	if errors.Is(err, io.EOF) {
		return nil // 202 with an empty body
	}
	return Clean(err)
}

// LogSession is a URL that streams an app's logs. Its URL is a credential.
type LogSession = heroku.LogSession

// LogSessionCreate opens a session that tails the logs of one dyno,
// starting with the lines it already wrote. Creating one twice is harmless.
func (c *Client) LogSessionCreate(ctx context.Context, app, dyno string) (*LogSession, error) {
	tail, lines := true, 1500 // logplex keeps at most 1500 lines
	s, err := c.api.LogSessionCreate(retrySafe(ctx), app, heroku.LogSessionCreateOpts{DynoName: &dyno, Tail: &tail, Lines: &lines})
	return s, Clean(err)
}
