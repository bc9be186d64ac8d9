package release

import (
	"errors"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
)

func rel(v int, status string, eligible, current bool, slug string) herokuapi.Release {
	r := herokuapi.Release{ID: "r" + string(rune('0'+v)), Version: v, Status: status, EligibleForRollback: eligible, Current: current}
	if slug != "" {
		r.Artifacts = append(r.Artifacts, struct {
			ID   string `json:"id" url:"id,key"`
			Type string `json:"type" url:"type,key"`
		}{ID: slug, Type: "slug"})
	}
	return r
}

// TestPrevious: the newest release before the current one that can be
// rolled back to: never the current one, a newer pending or failed one,
// an expired one, or one without an artifact.
func TestPrevious(t *testing.T) {
	list := []herokuapi.Release{ // newest first, as Heroku lists them
		rel(9, "pending", false, false, "s9"),
		rel(8, "failed", false, false, "s8"),
		rel(7, "succeeded", true, true, "s7"),
		rel(6, "failed", false, false, "s6"),
		rel(5, "expired", false, false, "s5"),
		rel(4, "succeeded", true, false, "s4"),
		rel(3, "succeeded", true, false, "s3"),
		rel(2, "succeeded", false, false, ""),
	}
	if got := Previous(list); got == nil || got.Version != 4 {
		t.Fatalf("Previous = %+v, want v4", got)
	}
	if got := Current(list); got == nil || got.Version != 7 {
		t.Fatalf("Current = %+v, want v7", got)
	}
	if got := Previous(list[:5]); got != nil {
		t.Errorf("with nothing eligible before v7, Previous = v%d", got.Version)
	}
}

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		r    herokuapi.Release
		want string
	}{
		{rel(3, "succeeded", true, false, "s3"), ""},
		{rel(3, "expired", false, false, "s3"), "release v3 of my-app is expired: Heroku deleted its artifacts"},
		{rel(3, "failed", false, false, "s3"), `release v3 of my-app is failed: only a release that succeeded`},
		{rel(2, "succeeded", false, false, ""), "it carries no slug or image"},
		{rel(3, "succeeded", false, false, "s3"), "it is not eligible for rollback"},
	} {
		err := Check("my-app", &tt.r)
		var ie *Ineligible
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("v%d %s: %v", tt.r.Version, tt.r.Status, err)
		case tt.want != "" && (!errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("v%d %s: %v, want %q", tt.r.Version, tt.r.Status, err, tt.want)
		}
	}
}
