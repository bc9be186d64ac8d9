package herokuapi

import (
	"context"
	"encoding/json"
	"io"
	"testing"
)

// body returns the JSON body of the only request to key.
func (h *harness) body(t *testing.T, key string) map[string]any {
	t.Helper()
	h.srv.mu.Lock()
	defer h.srv.mu.Unlock()
	var out map[string]any
	for _, r := range h.srv.got {
		if r.Method+" "+r.URL.Path == key {
			b, _ := io.ReadAll(r.Body)
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatalf("%s: %s is not JSON", key, b)
			}
		}
	}
	return out
}

// TestReleaseArtifactBodies: a slug on Cedar, an OCI image on Fir, never
// both (heroku-go's ReleaseCreate would send "slug": "" for an image),
// and neither is retried after an ambiguous 503, nor is a rollback or a
// promotion: each would make another release.
func TestReleaseArtifactBodies(t *testing.T) {
	h := newHarness(t, map[string][]string{"POST /apps/a/releases": {"201"}})
	ctx := context.Background()
	if _, err := h.client.ReleaseArtifact(ctx, "a", "oci-image", "img-1", "Deploy 0123abcd"); err != nil {
		t.Fatal(err)
	}
	got := h.body(t, "POST /apps/a/releases")
	if _, ok := got["slug"]; ok || got["oci_image"] != "img-1" || got["description"] != "Deploy 0123abcd" {
		t.Errorf("body %v", got)
	}
	if _, err := h.client.ReleaseArtifact(ctx, "a", "docker", "x", ""); err == nil {
		t.Error("an unknown artifact kind was sent")
	}

	h = newHarness(t, map[string][]string{"POST /apps/a/releases": {"503", "201"}, "POST /pipeline-promotions": {"503", "201"}})
	if _, err := h.client.ReleaseArtifact(ctx, "a", "slug", "s1", "d"); StatusOf(err) != 503 {
		t.Errorf("err = %v, want the 503", err)
	}
	if _, err := h.client.Rollback(ctx, "a", "r1"); err != nil {
		t.Errorf("the rollback's own attempt: %v", err)
	}
	if _, err := h.client.PromotionCreate(ctx, PromotionRequest{Pipeline: "p", SourceApp: "s", SourceRelease: "r", Targets: []string{"t"}}); StatusOf(err) != 503 {
		t.Errorf("err = %v, want the 503", err)
	}
	if n := h.srv.requests("POST /apps/a/releases"); n != 2 {
		t.Errorf("%d release POSTs, want 2: one each, none repeated", n)
	}
	if n := h.srv.requests("POST /pipeline-promotions"); n != 1 {
		t.Errorf("%d promotion POSTs, want 1", n)
	}
}

// TestPromotionPinsTheRelease: the promotion names the source release it
// was checked against, so a release landing on the source meanwhile is not
// the one promoted.
func TestPromotionPinsTheRelease(t *testing.T) {
	h := newHarness(t, map[string][]string{"POST /pipeline-promotions": {"201"}})
	_, err := h.client.PromotionCreate(context.Background(), PromotionRequest{
		Pipeline: "pipe-1", SourceApp: "app-1", SourceRelease: "rel-7", Targets: []string{"app-2", "app-3"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(h.body(t, "POST /pipeline-promotions"))
	want := `{"pipeline":{"id":"pipe-1"},"source":{"app":{"id":"app-1"},"release":{"id":"rel-7"}},"targets":[{"app":{"id":"app-2"}},{"app":{"id":"app-3"}}]}`
	if string(b) != want {
		t.Errorf("body\n%s\nwant\n%s", b, want)
	}
}
