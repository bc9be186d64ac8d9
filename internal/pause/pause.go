// Package pause waits for a while unless the context ends first: the one
// sleep of every retry and poll loop.
package pause

import (
	"context"
	"time"
)

// For waits d, or until ctx is done, and returns ctx.Err() in that case.
// A zero or negative d returns at once.
func For(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
