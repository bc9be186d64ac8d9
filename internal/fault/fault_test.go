package fault

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	d := &Dialect{Flags: []string{"quiet"}, Ints: []string{"drop"}, Leak: func(*http.Request) string { return "" }}
	good := map[string]*Fault{
		"GET /apps/*/builds/* 503 html times=3":        &Fault{Method: "GET", Status: 503, Body: "html", Times: 3},
		"get /apps/* 404 text skip=2":                  &Fault{Method: "GET", Status: 404, Body: "text", Skip: 2},
		"GET /apps/* 200 null":                         &Fault{Method: "GET", Status: 200, Body: "null"},
		"GET /apps/* 200 empty-object":                 &Fault{Method: "GET", Status: 200, Body: "empty-object"},
		"POST /apps/*/builds 201 truncated after":      &Fault{Method: "POST", Status: 201, Body: "truncated", After: true},
		"GET /apps/*/releases 200 wrongtype=version":   &Fault{Method: "GET", Status: 200, WrongType: "version"},
		"GET /apps/*/releases wrongtype=version:float": &Fault{Method: "GET", WrongType: "version", WrongAs: "float"},
		"PATCH /apps/* after reset":                    &Fault{Method: "PATCH", After: true, Reset: true},
		"* /x hang":                                    &Fault{Method: "*", Hang: true},
		"GET /x delay=1s":                              &Fault{Method: "GET", Delay: time.Second},
		"GET /x barrier=2 times=2":                     &Fault{Method: "GET", Barrier: 2, Times: 2},
		"GET /x 403 leak":                              &Fault{Method: "GET", Status: 403, Leak: true},
		"GET /streams/* quiet drop=40":                 &Fault{Method: "GET", Own: map[string]string{"quiet": "", "drop": "40"}},
	}
	for s, want := range good {
		f, err := Parse(s, d)
		if err != nil {
			t.Errorf("Parse(%q): %v", s, err)
			continue
		}
		if f.Method != want.Method || f.Status != want.Status || f.Body != want.Body || f.WrongType != want.WrongType ||
			f.WrongAs != want.WrongAs || f.After != want.After || f.Reset != want.Reset || f.Hang != want.Hang ||
			f.Delay != want.Delay || f.Barrier != want.Barrier || f.Times != want.Times || f.Skip != want.Skip ||
			f.Leak != want.Leak || len(f.Own) != len(want.Own) || f.String() != s {
			t.Errorf("Parse(%q) = %+v, want %+v", s, f, want)
		}
		for k, v := range want.Own {
			if f.Own[k] != v {
				t.Errorf("Parse(%q): own word %s = %q, want %q", s, k, f.Own[k], v)
			}
		}
	}
	if f, _ := Parse("GET /streams/* drop=40", d); !f.Has("drop") || f.Has("quiet") {
		t.Error("Has does not tell the own words apart")
	} else if n, ok := f.Int("drop"); !ok || n != 40 {
		t.Errorf("Int(drop) = %d, %v", n, ok)
	}
	bad := []string{
		"GET /apps", "GET /apps/* html", "GET /apps/* null", "GET /apps/* 200", "GET /apps/* 302", "GET /apps/* 503 sometimes",
		"GET [ 503", "GET /x drop=-1", "GET /x barrier=1", "GET /x 200 html null", "GET /x 200 404 html",
		"GET /x 200 null wrongtype=id", "GET /x wrongtype=", "GET /x wrongtype=id:date", "GET /x delay=soon",
		"GET /x 0200 html", "GET /x redirect", // this dialect has no trap
	}
	for _, s := range bad {
		if _, err := Parse(s, d); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
	if _, err := Parse("GET /x leak", nil); err == nil {
		t.Error("a dialect without Leak accepted leak")
	}
}

func TestTake(t *testing.T) {
	a, _ := Parse("GET /apps/* 503 skip=1 times=2", nil)
	b, _ := Parse("* /apps/* 500", nil)
	faults := []*Fault{a, b}
	var got []string
	for range 5 {
		switch Take(faults, "GET", "/apps/x") {
		case a:
			got = append(got, "a")
		case b:
			got = append(got, "b")
		}
	}
	// The first is let through by a, met by b (the next that matches).
	if want := []string{"b", "a", "a", "b", "b"}; !slices.Equal(got, want) {
		t.Errorf("faults met %v, want %v", got, want)
	}
	if Take(faults, "GET", "/apps/x/builds") != nil {
		t.Error("* matched more than one segment")
	}
	if Take([]*Fault{a}, "POST", "/apps/x") != nil {
		t.Error("a GET fault met a POST")
	}
	if !a.Met() {
		t.Error("Met is false after hits")
	}
}

// serve runs one request through a dialect's middleware in front of h.
func serve(t *testing.T, d *Dialect, text string, h http.HandlerFunc, req *http.Request) (*http.Response, string, error) {
	t.Helper()
	f, err := Parse(text, d)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d.Middleware(func() []*Fault { return []*Fault{f} }, nil, h))
	defer srv.Close()
	req.URL.Scheme, req.URL.Host = "http", strings.TrimPrefix(srv.URL, "http://")
	req.RequestURI = ""
	resp, err := srv.Client().Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), nil
}

// release is the handler of the tests: a release with a nested slug and a
// list, and a count of its runs.
func release(runs *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Request-Id", "r-1")
		w.WriteHeader(200)
		io.WriteString(w, `[{"id":"c1","version":12,"current":true,"slug":{"id":"s1","version":3},"note":null},{"id":"c2","version":11,"current":false}]`)
	}
}

func TestBodies(t *testing.T) {
	d := &Dialect{Error: func(w http.ResponseWriter, r *http.Request, f *Fault) {
		w.WriteHeader(f.Status)
		io.WriteString(w, `{"id":"own","message":"the API's own"}`)
	}}
	cases := []struct {
		fault, ctype, body string
		status             int
	}{
		{"GET /x 404 html", "text/html; charset=utf-8", "<html><body><h1>404 Not Found</h1></body></html>\n", 404},
		{"GET /x 200 html", "text/html; charset=utf-8", "<html><body><h1>Welcome to nginx!</h1></body></html>\n", 200},
		{"GET /x 503 text", "text/plain; charset=utf-8", "503 Service Unavailable\n", 503},
		{"GET /x 200 text", "text/plain; charset=utf-8", "200 OK\n", 200},
		{"GET /x 200 null", "application/json", "null\n", 200},
		{"GET /x 404 null", "application/json", "null\n", 404},
		{"GET /x 200 empty-object", "application/json", "{}\n", 200},
		{"GET /x 500 empty-object", "application/json", "{}\n", 500},
		{"GET /x 201 truncated", "application/json", `{"id":"b0000000-0000-4000-8000-0000000000ff","status":"pend`, 201},
		{"GET /x 503", "", `{"id":"own","message":"the API's own"}`, 503},
	}
	for _, c := range cases {
		var runs atomic.Int32
		resp, body, err := serve(t, d, c.fault, release(&runs), httptest.NewRequest("GET", "/x", nil))
		if err != nil {
			t.Errorf("%s: %v", c.fault, err)
			continue
		}
		if resp.StatusCode != c.status || body != c.body || (c.ctype != "" && resp.Header.Get("Content-Type") != c.ctype) {
			t.Errorf("%s: %d %q %q, want %d %q %q", c.fault, resp.StatusCode, resp.Header.Get("Content-Type"), body, c.status, c.ctype, c.body)
		}
		if runs.Load() != 0 {
			t.Errorf("%s: the request was served", c.fault)
		}
	}
}

func TestWrongType(t *testing.T) {
	cases := []struct {
		fault, want string
		status      int
	}{
		// a number a string, at every depth, in every element
		{"GET /x 200 wrongtype=version", `[{"current":true,"id":"c1","note":null,"slug":{"id":"s1","version":"3"},"version":"12"},{"current":false,"id":"c2","version":"11"}]`, 200},
		// a string a number
		{"GET /x wrongtype=id", `[{"current":true,"id":1,"note":null,"slug":{"id":1,"version":3},"version":12},{"current":false,"id":1,"version":11}]`, 200},
		// a bool a string; the fault's status
		{"GET /x 206 wrongtype=current", `[{"current":"true","id":"c1","note":null,"slug":{"id":"s1","version":3},"version":12},{"current":"false","id":"c2","version":11}]`, 206},
		// an object a string, null a string
		{"GET /x wrongtype=slug", `[{"current":true,"id":"c1","note":null,"slug":"{\"id\":\"s1\",\"version\":3}","version":12},{"current":false,"id":"c2","version":11}]`, 200},
		{"GET /x wrongtype=note", `[{"current":true,"id":"c1","note":"null","slug":{"id":"s1","version":3},"version":12},{"current":false,"id":"c2","version":11}]`, 200},
		{"GET /x wrongtype=version:float", `[{"current":true,"id":"c1","note":null,"slug":{"id":"s1","version":3.5},"version":12.5},{"current":false,"id":"c2","version":11.5}]`, 200},
		{"GET /x wrongtype=current:object", `[{"current":{},"id":"c1","note":null,"slug":{"id":"s1","version":3},"version":12},{"current":{},"id":"c2","version":11}]`, 200},
		{"GET /x wrongtype=id:null", `[{"current":true,"id":null,"note":null,"slug":{"id":null,"version":3},"version":12},{"current":false,"id":null,"version":11}]`, 200},
		{"GET /x wrongtype=id:absent", `[{"current":true,"note":null,"slug":{"version":3},"version":12},{"current":false,"version":11}]`, 200},
		{"GET /x wrongtype=version:bool", `[{"current":true,"id":"c1","note":null,"slug":{"id":"s1","version":true},"version":true},{"current":false,"id":"c2","version":true}]`, 200},
	}
	for _, c := range cases {
		var missed []string
		d := &Dialect{Missed: func(f *Fault, r *http.Request, why string) { missed = append(missed, why) }}
		var runs atomic.Int32
		resp, body, err := serve(t, d, c.fault, release(&runs), httptest.NewRequest("GET", "/x", nil))
		if err != nil {
			t.Errorf("%s: %v", c.fault, err)
			continue
		}
		if resp.StatusCode != c.status || strings.TrimSpace(body) != c.want || resp.Header.Get("Request-Id") != "r-1" {
			t.Errorf("%s: %d %s, want %d %s (and the handler's headers)", c.fault, resp.StatusCode, body, c.status, c.want)
		}
		if runs.Load() != 1 || len(missed) != 0 {
			t.Errorf("%s: served %d times, missed %v", c.fault, runs.Load(), missed)
		}
	}
	for _, text := range []string{"GET /x wrongtype=nope", "GET /x wrongtype=id:string"} {
		var missed []string
		d := &Dialect{Missed: func(f *Fault, r *http.Request, why string) { missed = append(missed, why) }}
		var runs atomic.Int32
		if _, body, _ := serve(t, d, text, release(&runs), httptest.NewRequest("GET", "/x", nil)); !strings.Contains(body, `"id":"c1"`) || len(missed) != 1 {
			t.Errorf("%s: body %s, missed %v: want the answer unchanged and reported", text, body, missed)
		}
	}
}

func TestAfterResetHangDelay(t *testing.T) {
	var runs atomic.Int32
	patch := func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if string(b) == `{"maintenance":true}` {
			runs.Add(1)
		}
		w.WriteHeader(200)
		io.WriteString(w, `{"maintenance":true}`)
	}
	req := func() *http.Request {
		return httptest.NewRequest("PATCH", "/apps/a", strings.NewReader(`{"maintenance":true}`))
	}
	d := &Dialect{}
	// after reset: the change is made in full, the client gets no answer.
	if _, _, err := serve(t, d, "PATCH /apps/* after reset", patch, req()); err == nil || runs.Load() != 1 {
		t.Errorf("after reset: err %v, %d changes; want a cut connection after the change", err, runs.Load())
	}
	// reset alone: cut before it is served.
	runs.Store(0)
	if _, _, err := serve(t, d, "PATCH /apps/* reset", patch, req()); err == nil || runs.Load() != 0 {
		t.Errorf("reset: err %v, %d changes; want a cut connection, no change", err, runs.Load())
	}
	// after with a status: the change is made, the answer is the fault's.
	runs.Store(0)
	if resp, _, err := serve(t, d, "PATCH /apps/* 503 after", patch, req()); err != nil || resp.StatusCode != 503 || runs.Load() != 1 {
		t.Errorf("503 after: %v %v, %d changes", resp, err, runs.Load())
	}
	// hang: no answer until the client gives up.
	f, _ := Parse("GET /x hang", d)
	srv := httptest.NewServer(d.Middleware(func() []*Fault { return []*Fault{f} }, nil, release(&runs)))
	defer srv.Close()
	c := &http.Client{Timeout: 100 * time.Millisecond}
	start := time.Now()
	if _, err := c.Get(srv.URL + "/x"); err == nil || time.Since(start) < 90*time.Millisecond {
		t.Errorf("hang: %v after %v", err, time.Since(start))
	}
	// delay alone: a slow answer, served.
	start = time.Now()
	runs.Store(0)
	if resp, _, err := serve(t, d, "GET /x delay=100ms", release(&runs), httptest.NewRequest("GET", "/x", nil)); err != nil || resp.StatusCode != 200 || runs.Load() != 1 || time.Since(start) < 100*time.Millisecond {
		t.Errorf("delay: %v %v after %v", resp, err, time.Since(start))
	}
}

func TestBarrier(t *testing.T) {
	f, _ := Parse("GET /x barrier=3", nil)
	var mu sync.Mutex
	var order []string
	h := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		order = append(order, "served")
		mu.Unlock()
	}
	srv := httptest.NewServer((&Dialect{}).Middleware(func() []*Fault { return []*Fault{f} }, nil, http.HandlerFunc(h)))
	defer srv.Close()
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			resp, err := http.Get(srv.URL + "/x")
			if err == nil {
				resp.Body.Close()
			}
			mu.Lock()
			order = append(order, "answered")
			mu.Unlock()
		})
	}
	wg.Wait()
	if want := []string{"served", "served", "served", "answered", "answered", "answered"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want every request served before any answer", order)
	}
}

func TestMiddlewareAndOf(t *testing.T) {
	d := &Dialect{Prefix: "/api/v4", Flags: []string{"quiet"}, Self: func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/v4/streams/") }}
	f, _ := Parse("GET /streams/* quiet", d)
	var seen *Fault
	var taken int
	h := d.Middleware(func() []*Fault { return []*Fault{f} }, func(*Fault, *http.Request) { taken++ },
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = Of(r) }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v4/streams/s1", nil))
	if seen != f || taken != 1 || !seen.Has("quiet") {
		t.Errorf("the handler saw fault %v (taken %d), want the stream's own word", seen, taken)
	}
	seen = nil
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/streams/s1", nil))
	if seen != nil || taken != 1 {
		t.Error("a path outside the prefix met the fault")
	}
}

func TestReads(t *testing.T) {
	reqs := [][2]string{{"GET", "/apps/a"}, {"PATCH", "/apps/a"}, {"GET", "/apps/a/releases"}, {"GET", "/apps/a"}, {"GET", "/odd/*?[x]"}}
	reads := Reads(func(yield func(string, string) bool) {
		for _, r := range reqs {
			if !yield(r[0], r[1]) {
				return
			}
		}
	})
	want := []Read{{"/apps/a", 0}, {"/apps/a/releases", 0}, {"/apps/a", 1}, {"/odd/*?[x]", 0}}
	if !slices.Equal(reads, want) {
		t.Fatalf("Reads = %v, want %v", reads, want)
	}
	if got := reads[2].Fault("200 null"); got != "GET /apps/a 200 null skip=1 times=1" {
		t.Errorf("Fault = %q", got)
	}
	// Each read's fault meets that read only, replayed in the same order.
	for i, rd := range reads {
		f, err := Parse(rd.Fault("503 html"), nil)
		if err != nil {
			t.Fatalf("%v: %v", rd, err)
		}
		var met []int
		for j, r := range reqs {
			if Take([]*Fault{f}, r[0], r[1]) != nil {
				met = append(met, j)
			}
		}
		wantIdx := []int{0, 2, 3, 4}[i]
		if !slices.Equal(met, []int{wantIdx}) {
			t.Errorf("%v: the fault met requests %v, want [%d]", rd, met, wantIdx)
		}
	}
}
