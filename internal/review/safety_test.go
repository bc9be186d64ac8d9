package review

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
)

func simApps(t *testing.T, apps ...string) *Apps {
	t.Helper()
	sim := herokusim.New(herokusim.Options{Apps: apps})
	ts := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); ts.Close() })
	sim.SetURL(ts.URL)
	return &Apps{Client: herokuapi.New(herokuapi.Config{URL: ts.URL, Key: herokusim.DefaultKey}), Out: ciout.New(io.Discard, false)}
}

// TestCoupleMeanwhile: Heroku refuses a coupling (422) of an app coupled
// meanwhile. Coupled to this pipeline at stage review, that is the
// coupling wanted; at another stage, the refusal stands.
func TestCoupleMeanwhile(t *testing.T) {
	a := simApps(t, "shop-staging:pipeline=shop/staging", "shop-mr-1:pipeline=shop/review", "shop-mr-2:pipeline=shop/staging")
	ctx := context.Background()
	if err := a.Couple(ctx, "shop-mr-1", "shop"); err != nil {
		t.Errorf("coupled at review meanwhile: %v, want success", err)
	}
	if err := a.Couple(ctx, "shop-mr-2", "shop"); herokuapi.StatusOf(err) != 422 {
		t.Errorf("coupled at staging meanwhile: %v, want Heroku's 422", err)
	}
}

// TestCheckExisting: an app found at staging or production is refused for
// a deploy, with or without a pipeline; one at review or development, or
// in no pipeline without one, is not.
func TestCheckExisting(t *testing.T) {
	a := simApps(t, "shop-staging:pipeline=shop/staging", "shop-mr-1:pipeline=shop/production", "shop-mr-2:pipeline=other/development", "shop-mr-3")
	ctx := context.Background()
	for _, pipeline := range []string{"shop", ""} {
		_, err := a.CheckExisting(ctx, "shop-mr-1", pipeline)
		var unsafe *UnsafeError
		if !errors.As(err, &unsafe) || !strings.HasPrefix(err.Error(), "refusing to deploy to app shop-mr-1: it is coupled to pipeline shop at stage production") {
			t.Errorf("pipeline %q: %v, want a refused deploy", pipeline, err)
		}
	}
	if note, err := a.CheckExisting(ctx, "shop-mr-2", "shop"); err != nil || !strings.Contains(note, "left as it is") {
		t.Errorf("another pipeline at development: %q, %v, want a note", note, err)
	}
	if note, err := a.CheckExisting(ctx, "shop-mr-3", ""); err != nil || note != "" {
		t.Errorf("no pipeline, none wanted: %q, %v", note, err)
	}
}
