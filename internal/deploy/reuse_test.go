package deploy

import (
	"encoding/json"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
)

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestWhatABuildMadeAndWhetherItIsKept: a Cedar build names its slug; a
// Fir build names none, so its release's OCI image is it. Heroku keeps an
// artifact while a release that carries it can be rolled back to.
func TestWhatABuildMadeAndWhetherItIsKept(t *testing.T) {
	releases := decode[[]herokuapi.Release](t, `[
		{"id":"r6","version":6,"status":"succeeded","eligible_for_rollback":true,"current":true,"artifacts":[{"type":"oci-image","id":"img-2"}]},
		{"id":"r5","version":5,"status":"failed","eligible_for_rollback":false,"artifacts":[{"type":"oci-image","id":"img-3"}]},
		{"id":"r4","version":4,"status":"succeeded","eligible_for_rollback":true,"artifacts":[{"type":"slug","id":"slug-1"}],"slug":{"id":"slug-1"}},
		{"id":"r3","version":3,"status":"expired","eligible_for_rollback":false,"artifacts":[{"type":"oci-image","id":"img-1"}]}
	]`)
	cedar := decode[herokuapi.Build](t, `{"id":"b1","status":"succeeded","slug":{"id":"slug-1"},"release":{"id":"r9"}}`)
	fir := decode[herokuapi.Build](t, `{"id":"b2","status":"succeeded","slug":null,"release":{"id":"r6"}}`)
	gone := decode[herokuapi.Build](t, `{"id":"b3","status":"succeeded","slug":null,"release":{"id":"r3"}}`)
	failed := decode[herokuapi.Build](t, `{"id":"b4","status":"succeeded","slug":null,"release":{"id":"r5"}}`)
	for _, tt := range []struct {
		b            herokuapi.Build
		kind, id     string
		keptByHeroku bool
	}{
		{cedar, "slug", "slug-1", true},
		{fir, "oci-image", "img-2", true},
		{gone, "oci-image", "img-1", false},
		{failed, "oci-image", "img-3", false},
	} {
		kind, id := artifactOf(tt.b, releases)
		if kind != tt.kind || id != tt.id {
			t.Errorf("build %s made %s %s, want %s %s", tt.b.ID, kind, id, tt.kind, tt.id)
		}
		if got := kept(kind, id, releases); got != tt.keptByHeroku {
			t.Errorf("build %s: kept = %v, want %v", tt.b.ID, got, tt.keptByHeroku)
		}
	}
}

// TestDirtyVersion: a dirty tree's version is never its commit, nor a
// prefix match of it in the log.
func TestDirtyVersion(t *testing.T) {
	const commit = "0123456789abcdef0123456789abcdef01234567"
	v := dirtyVersion(commit, "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210")
	if v != commit+"-dirty-fedcba987654" {
		t.Errorf("dirtyVersion = %q", v)
	}
	if got := short(v); got != "01234567-dirty-fedcba987654" {
		t.Errorf("short(%q) = %q", v, got)
	}
	if got := short(commit); got != "01234567" {
		t.Errorf("short(%q) = %q", commit, got)
	}
}
