package promote

import (
	"strings"
	"testing"
)

// TestCheckStages: promotions go development → staging → production,
// within one pipeline; review and test apps are not promoted.
func TestCheckStages(t *testing.T) {
	apps := map[string]*appInfo{}
	for _, a := range []struct{ name, pipeline, stage string }{
		{"dev", "p", "development"}, {"stage", "p", "staging"}, {"prod", "p", "production"},
		{"review", "p", "review"}, {"test", "p", "test"}, {"other", "q", "production"},
	} {
		apps[a.name] = &appInfo{name: a.name, pipeline: a.pipeline, stage: a.stage}
	}
	for _, tt := range []struct {
		from string
		to   []string
		want string // "" for fine
	}{
		{"stage", []string{"prod"}, ""},
		{"dev", []string{"stage", "prod"}, ""},
		{"dev", []string{"dev"}, "not downstream"},
		{"stage", []string{"dev"}, "not downstream"},
		{"stage", []string{"review"}, "not downstream"},
		{"prod", []string{"stage"}, "only development and staging apps are promoted"},
		{"review", []string{"prod"}, "only development and staging apps are promoted"},
		{"test", []string{"prod"}, "only development and staging apps are promoted"},
		{"stage", []string{"prod", "other"}, "in another pipeline"},
	} {
		err := checkStages(apps[tt.from], tt.to, apps)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s → %v: %v", tt.from, tt.to, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s → %v: %v, want %q", tt.from, tt.to, err, tt.want)
		}
	}
}

func TestProvenanceError(t *testing.T) {
	e := &ProvenanceError{App: "my-app-staging", Version: 7, Commit: "", Want: "0123abc"}
	if got := e.Error(); !strings.Contains(got, "runs a slug that records no commit (release v7), not 0123abc") {
		t.Errorf("got %q", got)
	}
}
