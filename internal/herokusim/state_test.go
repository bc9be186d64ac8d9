package herokusim

import (
	"strings"
	"testing"
)

// TestState: the facts a command can change, config values hashed; a
// change shows as the facts it changed, a deleted app as none left.
func TestState(t *testing.T) {
	s := start(t, Options{Apps: []string{"shop:pipeline=shop/production", "shop-mr-1"}})
	before := s.State()
	for k, want := range map[string]string{
		"app shop":             "exists",
		"app shop maintenance": "false",
		"app shop coupling":    "shop/production",
		"app shop current":     "v2",
		"app shop addons":      "heroku-postgresql",
	} {
		if before[k] != want {
			t.Errorf("%s: %q, want %q", k, before[k], want)
		}
	}
	for k, v := range before {
		if strings.Contains(v, ConfigSecret) {
			t.Errorf("%s holds a config value", k)
		}
	}
	if !Settled(before) {
		t.Error("a simulator at rest is not settled")
	}
	s.do("PATCH", "/apps/shop", strings.NewReader(`{"maintenance": true}`), "Content-Type: application/json")
	s.do("DELETE", "/apps/shop-mr-1", nil)
	after := s.State()
	if after["app shop maintenance"] != "true" {
		t.Errorf("maintenance after the PATCH: %q", after["app shop maintenance"])
	}
	for k := range after {
		if strings.HasPrefix(k, "app shop-mr-1") {
			t.Errorf("a deleted app has fact %q", k)
		}
	}
	if Settled(map[string]string{"app a release v3": `pending slug:x "Deploy"`}) {
		t.Error("a pending release is settled")
	}
}

// TestArm: a fault armed later counts its skip=N from then on.
func TestArm(t *testing.T) {
	s := start(t, Options{Apps: []string{"shop"}})
	s.do("GET", "/apps/shop", nil)
	f, err := ParseFault("GET /apps/shop 200 null skip=1 times=1")
	if err != nil {
		t.Fatal(err)
	}
	s.Arm(f)
	for i, want := range []string{`"name":"shop"`, "null", `"name":"shop"`} {
		if _, body := s.do("GET", "/apps/shop", nil); !strings.Contains(string(body), want) {
			t.Errorf("read %d after arming: %s, want %s", i+1, body, want)
		}
	}
	if !f.Met() {
		t.Error("the armed fault did not meet a request")
	}
}
