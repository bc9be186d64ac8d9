package herokusim

import (
	"strings"
	"testing"
)

// TestFormationBodiesMatchHerokusSchema checks the answers of the routes
// behind restart and scale against the schema: the formation list, a
// batch update, restarting every dyno and one process type.
func TestFormationBodiesMatchHerokusSchema(t *testing.T) {
	schema := loadSchema(t)
	s := start(t, Options{})
	call := schema.caller(t, s)
	s.finishOf("demo", s.deployTo("demo", "abc", map[string]string{"package.json": `{}`, "Procfile": "web: node x\nworker: node w\n"}, ""))
	call("GET", "/apps/{app}/formation", "/apps/demo/formation", "")
	call("PATCH", "/apps/{app}/formation", "/apps/demo/formation", `{"updates":[{"type":"web","quantity":2,"dyno_size":{"name":"standard-1x"}},{"type":"worker","quantity":1}]}`)
	call("DELETE", "/apps/{app}/dynos", "/apps/demo/dynos", "")
	call("DELETE", "/apps/{app}/formations/{type}", "/apps/demo/formations/web", "")
}

// TestFormationRules: the types come from the current slug (Node's default
// web included), web starts at 1 and the rest at 0; a refused update
// changes nothing, not even the updates before it in the batch.
func TestFormationRules(t *testing.T) {
	s := start(t, Options{})
	s.finishOf("demo", s.deployTo("demo", "abc", map[string]string{"package.json": `{}`, "Procfile": "worker: node w\n"}, ""))
	formation := func() string {
		out, err := s.DescribeFormation("demo")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got, want := formation(), "web=1:Basic restarts=0\nworker=0:Basic restarts=0\n"; got != want {
		t.Fatalf("formation after a deploy:\n%s\nwant\n%s", got, want)
	}
	for _, tc := range []struct {
		body   string
		status int
		msg    string
	}{
		{`{"updates":[{"type":"web","quantity":2,"size":"standard-1x"},{"type":"clock","quantity":1}]}`, 404, "Couldn't find that process type (clock)."},
		{`{"updates":[{"type":"web","quantity":2,"size":"standard-1x"},{"type":"worker","quantity":2}]}`, 422, "Cannot update to more than 1 Basic size dynos per process type."},
		{`{"updates":[{"type":"web","quantity":1,"dyno_size":{"name":"huge"}}]}`, 422, "Invalid dyno size: huge"},
		{`{"updates":[{"type":"web","quantity":-1}]}`, 422, "Quantity must be 0 or more."},
		{`{"updates":[{"type":"web","quantity":101,"size":"performance-l"}]}`, 422, "Cannot update to more than 100 dynos per process type."},
		{`{"updates":[]}`, 422, "Missing required params: updates"},
		{`{"updates":[{"type":"web","quantity":2,"sise":"standard-1x"}]}`, 400, "unknown field"},
	} {
		resp, b := s.do("PATCH", "/apps/demo/formation", strings.NewReader(tc.body), "Content-Type: application/json")
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.msg) {
			t.Errorf("%s: %d %s, want %d %q", tc.body, resp.StatusCode, b, tc.status, tc.msg)
		}
	}
	if got, want := formation(), "web=1:Basic restarts=0\nworker=0:Basic restarts=0\n"; got != want {
		t.Fatalf("refused updates changed the formation:\n%s", got)
	}
	resp, b := s.do("PATCH", "/apps/demo/formation", strings.NewReader(`{"updates":[{"type":"web","quantity":3,"size":"Performance-L-ram"}]}`), "Content-Type: application/json")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"name":"Performance-L-RAM"`) {
		t.Fatalf("scale: %d %s", resp.StatusCode, b)
	}
	if resp, b := s.do("DELETE", "/apps/demo/formations/clock", nil); resp.StatusCode != 404 || !strings.Contains(string(b), "(clock)") {
		t.Errorf("restart of an unknown type: %d %s", resp.StatusCode, b)
	}
	s.do("DELETE", "/apps/demo/formations/worker", nil)
	s.do("DELETE", "/apps/demo/dynos", nil)
	if got, want := formation(), "web=3:Performance-L-RAM restarts=1\nworker=0:Basic restarts=2\n"; got != want {
		t.Fatalf("formation:\n%s\nwant\n%s", got, want)
	}
}
