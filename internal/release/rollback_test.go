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

func desc(r herokuapi.Release, d string) herokuapi.Release {
	r.Description = d
	return r
}

// TestRolledBack: Heroku's "Rollback to vN" names a rollback's release and
// its target; releases between a rollback's target and the rollback are
// never a default target, whatever the rollback's status.
func TestRolledBack(t *testing.T) {
	for _, tt := range []struct {
		d    string
		v    int
		want int
	}{
		{"Rollback to v3", 5, 3},
		{"Rollback to v3 (some suffix)", 5, 3},
		{"Rollback to v30", 5, 0}, // not older: not a rollback
		{"Rollback to v3x", 5, 0},
		{"Deploy 0123abcd", 5, 0},
		{"rollback to v3", 5, 0},
	} {
		r := herokuapi.Release{Version: tt.v, Description: tt.d}
		if got := RolledBackTo(&r); got != tt.want {
			t.Errorf("RolledBackTo(v%d %q) = %d, want %d", tt.v, tt.d, got, tt.want)
		}
	}
	list := []herokuapi.Release{ // newest first
		desc(rel(7, "succeeded", true, true, "s7"), "Deploy c"),
		desc(rel(6, "failed", false, false, "s3"), "Rollback to v3"),
		desc(rel(5, "succeeded", true, false, "s5"), "Deploy b"),
		desc(rel(4, "succeeded", true, false, "s4"), "Deploy a"),
		desc(rel(3, "succeeded", true, false, "s3"), "Deploy z"),
	}
	if got := Previous(list); got == nil || got.Version != 3 {
		t.Fatalf("Previous = %+v, want v3: v6 moved away from v4 and v5, though it failed", got)
	}
	if got := MovedAway(list, 4); got == nil || got.Version != 6 {
		t.Errorf("MovedAway(v4) = %+v, want v6", got)
	}
	if got := MovedAway(list, 3); got != nil {
		t.Errorf("MovedAway(v3) = v%d: a rollback's target is not moved away from", got.Version)
	}
	if got := LatestRollback(list); got != nil {
		t.Errorf("LatestRollback = v%d, want none: a deploy (v7) came after", got.Version)
	}
	if got := Candidates(list, 7); len(got) != 1 || got[0].Version != 3 {
		t.Errorf("Candidates below v7 = %+v, want v3 alone", got)
	}
}

// TestLatestRollback: the earlier rollback is the app's latest act when
// nothing but failed releases came after it.
func TestLatestRollback(t *testing.T) {
	list := []herokuapi.Release{
		desc(rel(7, "failed", false, false, "s7"), "Deploy c"),
		desc(rel(6, "succeeded", true, true, "s3"), "Rollback to v3"),
		desc(rel(5, "succeeded", true, false, "s5"), "Deploy b"),
	}
	if got := LatestRollback(list); got == nil || got.Version != 6 {
		t.Fatalf("LatestRollback = %+v, want v6", got)
	}
	if got := LatestRollback(list[2:]); got != nil {
		t.Errorf("LatestRollback of deploys = v%d", got.Version)
	}
	pending := append([]herokuapi.Release{desc(rel(8, "pending", false, false, "s8"), "Deploy d")}, list...)
	if got := LatestRollback(pending); got != nil {
		t.Errorf("with a pending deploy on top, LatestRollback = v%d", got.Version)
	}
}
