package gitlabfake

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

const token = "glpat-fake-0123456789"

// fake starts a fake with two open merge requests and the faults.
func fake(t *testing.T, faults ...string) *Server {
	t.Helper()
	o := Options{Token: token, MRs: []string{"7", "12", "3:merged"}}
	for _, text := range faults {
		f, err := ParseFault(text)
		if err != nil {
			t.Fatal(err)
		}
		o.Faults = append(o.Faults, f)
	}
	s, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func get(t *testing.T, s *Server, query string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+"/projects/42/merge_requests?"+query, nil)
	req.Header.Set("PRIVATE-TOKEN", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestFaults(t *testing.T) {
	cases := []struct {
		fault, ctype, body string
		status             int
	}{
		{"GET /projects/*/merge_requests 200 null", "application/json", "null\n", 200},
		{"GET /projects/*/merge_requests 200 empty-object", "application/json", "{}\n", 200},
		{"GET /projects/*/merge_requests 502 html", "text/html; charset=utf-8", "<html><body><h1>502 Bad Gateway</h1></body></html>\n", 502},
		{"GET /projects/*/merge_requests 200 html", "text/html; charset=utf-8", "<html><body><h1>Welcome to nginx!</h1></body></html>\n", 200},
		{"GET /projects/*/merge_requests 503", "application/json", `{"message":"503 Service Unavailable"}` + "\n", 503},
		{"GET /projects/*/merge_requests 500 text", "text/plain; charset=utf-8", "500 Internal Server Error\n", 500},
		{"GET /projects/*/merge_requests 200 wrongtype=iid", "application/json",
			`[{"iid":"12","state":"opened","title":"Merge request !12"},{"iid":"7","state":"opened","title":"Merge request !7"}]` + "\n", 200},
		{"GET /projects/*/merge_requests wrongtype=iid:float", "application/json",
			`[{"iid":12.5,"state":"opened","title":"Merge request !12"},{"iid":7.5,"state":"opened","title":"Merge request !7"}]` + "\n", 200},
	}
	for _, c := range cases {
		s := fake(t, c.fault)
		resp, body := get(t, s, "state=opened")
		if resp.StatusCode != c.status || resp.Header.Get("Content-Type") != c.ctype || body != c.body {
			t.Errorf("%s: %d %q %q, want %d %q %q", c.fault, resp.StatusCode, resp.Header.Get("Content-Type"), body, c.status, c.ctype, c.body)
		}
		if reqs := s.Requests(); len(reqs) != 1 || !strings.HasSuffix(reqs[0], " (fault)") {
			t.Errorf("%s: recorded %q", c.fault, reqs)
		}
		if p := s.Problems(); len(p) != 0 {
			t.Errorf("%s: problems %v", c.fault, p)
		}
	}
}

func TestFaultTimesLeakAndMisses(t *testing.T) {
	s := fake(t, "GET /projects/*/merge_requests 401 leak times=1", "GET /projects/*/merge_requests wrongtype=nope times=1")
	resp, body := get(t, s, "state=opened")
	var e map[string]string
	json.Unmarshal([]byte(body), &e)
	if resp.StatusCode != 401 || !strings.Contains(e["message"], token) {
		t.Errorf("leak: %d %s, want a 401 echoing the token", resp.StatusCode, body)
	}
	get(t, s, "state=opened")
	if p := strings.Join(s.Problems(), "\n"); !strings.Contains(p, "did nothing: no field nope") {
		t.Errorf("problems %q, want the wrongtype that found no field", p)
	}
	if resp, body := get(t, s, "state=opened"); resp.StatusCode != 200 || !strings.Contains(body, `"iid":12`) {
		t.Errorf("after the faults: %d %s", resp.StatusCode, body)
	}
	if _, err := ParseFault("GET /projects/* redirect"); err == nil {
		t.Error("redirect accepted: the fake has no trap")
	}
}

func TestReads(t *testing.T) {
	s := fake(t)
	get(t, s, "state=opened&per_page=1")
	get(t, s, "state=opened&per_page=1&page=2")
	var got []string
	for _, r := range s.Reads() {
		got = append(got, r.Fault("200 null"))
	}
	want := []string{"GET /projects/42/merge_requests 200 null skip=0 times=1", "GET /projects/42/merge_requests 200 null skip=1 times=1"}
	if !slices.Equal(got, want) {
		t.Errorf("reads %q, want %q", got, want)
	}
	// The second page's fault meets the second page only.
	s2 := fake(t, got[1])
	if resp, _ := get(t, s2, "state=opened&per_page=1"); resp.StatusCode != 200 {
		t.Errorf("page 1: %d", resp.StatusCode)
	}
	if _, body := get(t, s2, "state=opened&per_page=1&page=2"); body != "null\n" {
		t.Errorf("page 2: %q, want null", body)
	}
}
