package herokusim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// faulted starts a simulator with the faults given as text.
func faulted(t *testing.T, opts Options, faults ...string) *sim {
	t.Helper()
	for _, text := range faults {
		f, err := ParseFault(text)
		if err != nil {
			t.Fatal(err)
		}
		opts.Faults = append(opts.Faults, f)
	}
	return start(t, opts)
}

// TestBodyFaults: the body faults on the simulator's own routes, any
// status with any body, as a proxy or a broken Heroku would answer.
func TestBodyFaults(t *testing.T) {
	s := faulted(t, Options{Apps: []string{"shop:pipeline=shop/production"}},
		"GET /apps/*/pipeline-couplings 404 html",
		"GET /apps/* 200 null times=1",
		"GET /apps/*/config-vars 200 empty-object",
		"GET /apps/*/releases 200 wrongtype=version",
		"GET /apps/*/releases/* 502 text",
	)
	resp, body := s.do("GET", "/apps/shop/pipeline-couplings", nil)
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<h1>404 Not Found</h1>") {
		t.Errorf("a coupled app's coupling: %d %s, want an HTML 404 page", resp.StatusCode, body)
	}
	if resp, body := s.do("GET", "/apps/shop", nil); resp.StatusCode != 200 || string(body) != "null\n" {
		t.Errorf("GET /apps/shop: %d %s, want 200 null", resp.StatusCode, body)
	}
	if resp, body := s.do("GET", "/apps/shop", nil); resp.StatusCode != 200 || !strings.Contains(string(body), `"name":"shop"`) {
		t.Errorf("after times=1: %d %s, want the app", resp.StatusCode, body)
	}
	if resp, body := s.do("GET", "/apps/shop/config-vars", nil); resp.StatusCode != 200 || string(body) != "{}\n" {
		t.Errorf("config vars: %d %s, want 200 {}", resp.StatusCode, body)
	}
	resp, body = s.do("GET", "/apps/shop/releases", nil)
	var rels []map[string]any
	if err := json.Unmarshal(body, &rels); err != nil || resp.StatusCode != 200 || len(rels) == 0 {
		t.Fatalf("releases: %d %s %v", resp.StatusCode, body, err)
	}
	for _, r := range rels {
		if _, ok := r["version"].(string); !ok || r["id"] == nil {
			t.Errorf("a release %v: want its version a string, the rest as served", r)
		}
	}
	if resp, body := s.do("GET", "/apps/shop/releases/v1", nil); resp.StatusCode != 502 || string(body) != "502 Bad Gateway\n" {
		t.Errorf("a release: %d %q, want a text 502 page", resp.StatusCode, body)
	}
	if p := s.Problems(); len(p) != 0 {
		t.Errorf("problems: %v", p)
	}
}

// TestAfterResetAppliesTheChange: "after reset" on any route serves the
// request in full, then cuts the connection without an answer.
func TestAfterResetAppliesTheChange(t *testing.T) {
	for _, c := range []struct{ method, path, body, fault string }{
		{"PATCH", "/apps/demo", `{"maintenance":true}`, "PATCH /apps/* after reset"},
		{"PATCH", "/apps/demo/config-vars", `{"GREETING":"hello-after-reset"}`, "PATCH /apps/*/config-vars after reset"},
		{"DELETE", "/apps/demo", ``, "DELETE /apps/* after reset"},
	} {
		s := faulted(t, Options{}, c.fault)
		req, _ := http.NewRequest(c.method, s.url+c.path, strings.NewReader(c.body))
		req.Header.Set("Accept", accept)
		req.Header.Set("Authorization", "Bearer "+DefaultKey)
		req.Header.Set("Content-Type", "application/json")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			t.Errorf("%s: answered %d, want the connection cut", c.fault, resp.StatusCode)
		}
		s.mu.Lock()
		a := s.apps["demo"]
		var applied bool
		switch c.method {
		case "DELETE":
			applied = a == nil
		case "PATCH":
			applied = a != nil && (a.Maintenance || a.config["GREETING"] == "hello-after-reset")
		}
		s.mu.Unlock()
		if !applied {
			t.Errorf("%s: the change was not made", c.fault)
		}
		reqs := s.Requests()
		if last := reqs[len(reqs)-1]; last.Status != 0 || last.Fault != c.fault {
			t.Errorf("%s: recorded %+v, want status 0 (no answer) and the fault", c.fault, last)
		}
	}
}

// TestWrongTypeWithoutTheFieldIsAProblem: a fault that did nothing fails
// the script, rather than let it pass as if tested.
func TestWrongTypeWithoutTheFieldIsAProblem(t *testing.T) {
	s := faulted(t, Options{}, "GET /apps/* 200 wrongtype=versoin")
	if resp, body := s.do("GET", "/apps/demo", nil); resp.StatusCode != 200 || !strings.Contains(string(body), `"name":"demo"`) {
		t.Errorf("%d %s, want the app unchanged", resp.StatusCode, body)
	}
	if p := strings.Join(s.Problems(), "\n"); !strings.Contains(p, `fault "GET /apps/* 200 wrongtype=versoin" met GET /apps/demo but did nothing: no field versoin`) {
		t.Errorf("problems: %q", p)
	}
}

func TestReads(t *testing.T) {
	s := start(t, Options{})
	s.do("GET", "/apps/demo", nil)
	s.do("PATCH", "/apps/demo", strings.NewReader(`{"maintenance":true}`), "Content-Type: application/json")
	s.do("GET", "/apps/demo", nil)
	s.do("GET", "/apps/demo/releases", nil)
	var got []string
	for _, rd := range Reads(s.Requests()) {
		got = append(got, rd.Fault("200 null"))
	}
	want := []string{"GET /apps/demo 200 null skip=0 times=1", "GET /apps/demo 200 null skip=1 times=1", "GET /apps/demo/releases 200 null skip=0 times=1"}
	if !slices.Equal(got, want) {
		t.Errorf("reads %q, want %q", got, want)
	}
	for _, text := range got {
		if _, err := ParseFault(text); err != nil {
			t.Errorf("a read's fault does not parse: %v", err)
		}
	}
}
