package herokuapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync/atomic"
	"testing"
)

// wellFormed is a well-formed answer to each request of the table, as
// Heroku's would be (fields trimmed to those read and a few beside).
var wellFormed = map[string]string{
	"GET /apps/*/formation":   `[` + formationJSON + `]`,
	"PATCH /apps/*/formation": `[` + formationJSON + `]`,
	// Under docker-releases: the formation, as far as is known.
	"PATCH /apps/*/formation (docker-releases)": `[{"id":"f1","type":"web","quantity":1,"size":"Basic","command":"sh","docker_image":{"id":"sha256:00"}}]`,
	"DELETE /apps/*/dynos":                      `{}`,
	"DELETE /apps/*/formations/*":               `{}`,
	"GET /apps":                                 `[` + appJSON + `]`,
	"GET /apps/*":                               appJSON,
	"PATCH /apps/*":                             appJSON,
	"POST /apps":                                appJSON,
	"POST /teams/apps": `{"id":"a0000000-0000-4000-8000-000000000001","name":"app","joined":true,"locked":false,` +
		`"maintenance":false,"stack":{"id":"s","name":"heroku-24"}}`,
	"DELETE /apps/*":                    appJSON,
	"GET /apps/*/domains":               `[{"id":"d1","hostname":"app-0123.herokuapp.com","kind":"heroku","cname":null}]`,
	"GET /apps/*/addons":                `[{"id":"ad1","name":"postgresql-x","config_vars":["DATABASE_URL"]}]`,
	"POST /app-setups":                  `{"id":"s1","status":"pending","build":null,"manifest_errors":[],"failure_message":null,"app":{"id":"a1","name":"app"}}`,
	"GET /app-setups/*":                 `{"id":"s1","status":"succeeded","build":{"id":"b1","status":"succeeded","output_stream_url":"https://busl.example/b1"},"manifest_errors":[],"postdeploy":null}`,
	"POST /apps/*/builds":               buildJSON,
	"GET /apps/*/builds":                `[` + buildJSON + `]`,
	"GET /apps/*/builds/*":              buildJSON,
	"DELETE /apps/*/builds/*":           buildJSON,
	"GET /apps/*/config-vars":           `{"A":"x","B":null}`,
	"PATCH /apps/*/config-vars":         `{"A":"y"}`,
	"POST /apps/*/dynos":                dynoJSON,
	"GET /apps/*/dynos":                 `[` + dynoJSON + `]`,
	"GET /apps/*/dynos/*":               dynoJSON,
	"POST /apps/*/dynos/*/actions/stop": `{}`,
	"POST /apps/*/log-sessions":         `{"id":"l1","logplex_url":"https://logs.example/l1?srv=s3cr3t","created_at":"2026-01-02T03:04:05Z"}`,
	"GET /apps/*/oci-images/*":          `[{"id":"i1","commit":"0123abcd","digest":"sha256:00"}]`,
	"GET /apps/*/pipeline-couplings":    couplingJSON,
	"POST /pipeline-couplings":          couplingJSON,
	"GET /pipelines/*":                  `{"id":"p1","name":"pipe","owner":null}`,
	"POST /pipeline-promotions":         `{"id":"pr1","status":"pending","pipeline":{"id":"p1"},"source":{"app":{"id":"a1"},"release":{"id":"r1"}}}`,
	"GET /pipeline-promotions/*/promotion-targets": `[{"id":"t1","app":{"id":"a2"},"status":"succeeded","release":{"id":"r2"},"error_message":null},` +
		`{"id":"t2","app":{"id":"a3"},"status":"pending","release":null,"error_message":null}]`,
	"GET /apps/*/releases":   `[` + releaseJSON + `]`,
	"GET /apps/*/releases/*": releaseJSON,
	"POST /apps/*/releases":  releaseJSON,
	"GET /apps/*/slugs/*":    `{"id":"sl1","commit":null,"process_types":{"web":"node ."}}`,
	"POST /sources":          `{"source_blob":{"get_url":"https://s3.example/get?Signature=g","put_url":"https://s3.example/put?Signature=p"}}`,
}

const (
	formationJSON = `{"id":"f0000000-0000-4000-8000-000000000001","type":"web","quantity":1,"size":"Basic","command":"npm start"}`
	appJSON       = `{"id":"a0000000-0000-4000-8000-000000000001","name":"app","maintenance":false,"web_url":"https://app-0123.herokuapp.com/",` +
		`"stack":{"id":"s","name":"heroku-24"},"build_stack":{"id":"s","name":"heroku-24"},"generation":{"id":"g","name":"cedar"},` +
		`"created_at":"2026-01-02T03:04:05Z","space":null,"team":null}`
	buildJSON = `{"id":"01234567-89ab-cdef-0123-456789abcdef","status":"pending","output_stream_url":"https://busl.example/b1",` +
		`"source_blob":{"url":"https://s3.example/get?Signature=g","version":"0123abcd","checksum":null},"release":null,"slug":null}`
	releaseJSON = `{"id":"r1","version":3,"status":"succeeded","current":true,"eligible_for_rollback":true,` +
		`"slug":{"id":"sl1"},"artifacts":[{"type":"slug","id":"sl1"}],"output_stream_url":null}`
	dynoJSON     = `{"id":"d1","name":"run.1234","state":"starting","attach_url":null,"size":"basic","release":{"id":"r1","version":3}}`
	couplingJSON = `{"id":"c1","app":{"id":"a1"},"pipeline":{"id":"p1"},"stage":"review"}`
)

// wellFormedFor is the well-formed answer to r.
func wellFormedFor(r *http.Request) string {
	a, ok := answerFor(r.Method, r.URL.Path, variantOf(r))
	if !ok {
		return `{}`
	}
	return wellFormed[a.key()]
}

// calls sends each request of the table through the client's method.
var calls = map[string]func(ctx context.Context, c *Client) error{
	"GET /apps/*/formation": func(ctx context.Context, c *Client) error { _, err := c.FormationList(ctx, "app"); return err },
	"PATCH /apps/*/formation": func(ctx context.Context, c *Client) error {
		n := 2
		_, err := c.FormationBatchUpdate(ctx, "app", []FormationUpdate{{Type: "web", Quantity: &n}})
		return err
	},
	"PATCH /apps/*/formation (docker-releases)": func(ctx context.Context, c *Client) error {
		return c.ReleaseImages(ctx, "app", []DockerImage{{Type: "web", Image: "sha256:" + strings.Repeat("0", 64)}})
	},
	"DELETE /apps/*/dynos":        func(ctx context.Context, c *Client) error { return c.RestartAll(ctx, "app") },
	"DELETE /apps/*/formations/*": func(ctx context.Context, c *Client) error { return c.RestartType(ctx, "app", "web") },
	"GET /apps":                   func(ctx context.Context, c *Client) error { _, err := c.ListApps(ctx); return err },
	"GET /apps/*":                 func(ctx context.Context, c *Client) error { _, err := c.AppInfo(ctx, "app"); return err },
	"PATCH /apps/*":               func(ctx context.Context, c *Client) error { _, err := c.SetMaintenance(ctx, "app", true); return err },
	"POST /apps":                  func(ctx context.Context, c *Client) error { return c.CreateApp(ctx, AppCreate{Name: "app"}) },
	"POST /teams/apps": func(ctx context.Context, c *Client) error {
		return c.CreateApp(ctx, AppCreate{Name: "app", Team: "t"})
	},
	"DELETE /apps/*":      func(ctx context.Context, c *Client) error { return c.DeleteApp(ctx, "app") },
	"GET /apps/*/domains": func(ctx context.Context, c *Client) error { _, err := c.DefaultDomain(ctx, "app"); return err },
	"GET /apps/*/addons":  func(ctx context.Context, c *Client) error { _, err := c.AddonConfigVars(ctx, "app"); return err },
	"POST /app-setups": func(ctx context.Context, c *Client) error {
		_, err := c.AppSetupCreate(ctx, AppSetupRequest{App: AppCreate{Name: "app"}, SourceURL: "https://s3.example/get"})
		return err
	},
	"GET /app-setups/*": func(ctx context.Context, c *Client) error { _, err := c.AppSetupInfo(ctx, "s1"); return err },
	"POST /apps/*/builds": func(ctx context.Context, c *Client) error {
		_, err := c.BuildCreate(ctx, "app", blobRequest())
		return err
	},
	"GET /apps/*/builds":   func(ctx context.Context, c *Client) error { _, err := c.RecentBuilds(ctx, "app", 10); return err },
	"GET /apps/*/builds/*": func(ctx context.Context, c *Client) error { _, err := c.BuildInfo(ctx, "app", "b1"); return err },
	"DELETE /apps/*/builds/*": func(ctx context.Context, c *Client) error {
		return c.CancelBuild(ctx, "app", "b1")
	},
	"GET /apps/*/config-vars": func(ctx context.Context, c *Client) error { _, err := c.ConfigVars(ctx, "app"); return err },
	"PATCH /apps/*/config-vars": func(ctx context.Context, c *Client) error {
		v := "y"
		_, err := c.UpdateConfigVars(ctx, "app", map[string]*string{"A": &v})
		return err
	},
	"POST /apps/*/dynos": func(ctx context.Context, c *Client) error {
		_, err := c.DynoCreate(ctx, "app", DynoRequest{Command: "true"})
		return err
	},
	"GET /apps/*/dynos":                 func(ctx context.Context, c *Client) error { _, err := c.DynoList(ctx, "app"); return err },
	"GET /apps/*/dynos/*":               func(ctx context.Context, c *Client) error { _, err := c.DynoInfo(ctx, "app", "d1"); return err },
	"POST /apps/*/dynos/*/actions/stop": func(ctx context.Context, c *Client) error { return c.DynoStop(ctx, "app", "d1") },
	"POST /apps/*/log-sessions": func(ctx context.Context, c *Client) error {
		_, err := c.LogSessionCreate(ctx, "app", "run.1")
		return err
	},
	"GET /apps/*/oci-images/*": func(ctx context.Context, c *Client) error {
		_, err := c.ArtifactCommit(ctx, "app", "oci-image", "i1")
		return err
	},
	"GET /apps/*/pipeline-couplings": func(ctx context.Context, c *Client) error { _, err := c.CouplingOf(ctx, "app"); return err },
	"POST /pipeline-couplings": func(ctx context.Context, c *Client) error {
		_, err := c.Couple(ctx, "app", "p1", "review")
		return err
	},
	"GET /pipelines/*": func(ctx context.Context, c *Client) error { _, err := c.PipelineID(ctx, "pipe"); return err },
	"POST /pipeline-promotions": func(ctx context.Context, c *Client) error {
		_, err := c.PromotionCreate(ctx, PromotionRequest{Pipeline: "p1", SourceApp: "a1", SourceRelease: "r1", Targets: []string{"a2"}})
		return err
	},
	"GET /pipeline-promotions/*/promotion-targets": func(ctx context.Context, c *Client) error {
		_, err := c.PromotionTargets(ctx, "pr1")
		return err
	},
	"GET /apps/*/releases":   func(ctx context.Context, c *Client) error { _, err := c.RecentReleases(ctx, "app", 10); return err },
	"GET /apps/*/releases/*": func(ctx context.Context, c *Client) error { _, err := c.ReleaseInfo(ctx, "app", "r1"); return err },
	"POST /apps/*/releases": func(ctx context.Context, c *Client) error {
		_, err := c.Rollback(ctx, "app", "r0")
		return err
	},
	"GET /apps/*/slugs/*": func(ctx context.Context, c *Client) error {
		_, err := c.ArtifactCommit(ctx, "app", "slug", "sl1")
		return err
	},
	"POST /sources": func(ctx context.Context, c *Client) error { _, err := c.SourceCreate(ctx); return err },
}

// TestEveryRequestHasAnAnswer: the table, its well-formed answers and the
// client's methods name the same requests.
func TestEveryRequestHasAnAnswer(t *testing.T) {
	for _, a := range answers {
		if wellFormed[a.key()] == "" || calls[a.key()] == nil {
			t.Errorf("%s: no well-formed answer or no call in the tests", a.key())
		}
		m, p, _ := strings.Cut(a.route, " ")
		if got, _ := answerFor(m, strings.ReplaceAll(p, "*", "x"), a.variant); got.key() != a.key() {
			t.Errorf("%s is read as %s: an earlier entry shadows it", a.key(), got.key())
		}
	}
	if len(wellFormed) != len(answers) || len(calls) != len(answers) {
		t.Errorf("%d answers, %d well-formed, %d calls", len(answers), len(wellFormed), len(calls))
	}
}

// server answers every request with answer(method, path) and the status
// it gives, and records the requests it had.
type server struct {
	*httptest.Server
	n atomic.Int32
}

func serve(t *testing.T, answer func(r *http.Request) (int, string)) (*server, *Client) {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.n.Add(1)
		status, body := answer(r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return s, New(Config{URL: s.URL, Key: testKey, RetryMax: 1, RetryWaitMin: 1, RetryWaitMax: 1})
}

// TestWellFormedAnswersAreRead: each request's well-formed answer is an
// answer (the table is not stricter than Heroku).
func TestWellFormedAnswersAreRead(t *testing.T) {
	for route, call := range calls {
		_, c := serve(t, func(r *http.Request) (int, string) {
			status := 200
			if r.Method == "POST" {
				status = 201
			}
			return status, wellFormedFor(r)
		})
		if err := call(context.Background(), c); err != nil {
			t.Errorf("%s: %v", route, err)
		}
	}
}

// malformed is a bad 2xx answer to a request, built from its well-formed
// one.
type malformed struct {
	name string
	body func(route, good string) string // "" to skip this request
}

var malformedAnswers = []malformed{
	{"{}", func(route, good string) string {
		if strings.HasSuffix(route, "/config-vars") || good == "{}" {
			return "" // {} is an app without config vars; a stop or a restart answers nothing
		}
		if strings.HasPrefix(good, "[") {
			return "[{}]"
		}
		return "{}"
	}},
	{"null", func(string, string) string { return "null" }},
	{"an HTML page", func(string, string) string { return "<html><body><h1>Welcome to nginx!</h1></body></html>" }},
	{"plain text", func(string, string) string { return "upstream connect error or disconnect/reset before headers" }},
	{"truncated JSON", func(_, good string) string { return good[:len(good)/2] }},
	{"a list item null", func(_, good string) string {
		if !strings.HasPrefix(good, "[") {
			return ""
		}
		return "[null]"
	}},
	{"a field of the wrong type", func(route, good string) string {
		var v any
		json.Unmarshal([]byte(good), &v)
		o, _ := v.(map[string]any)
		if l, ok := v.([]any); ok {
			o, _ = l[0].(map[string]any)
		}
		switch {
		case strings.HasSuffix(route, "/config-vars"):
			o["A"] = 5
		case strings.HasSuffix(route, "/stop") || strings.HasPrefix(route, "DELETE /apps/*/dynos") || strings.HasPrefix(route, "DELETE /apps/*/formations"):
			return "" // nothing is read from it
		case o["version"] != nil:
			o["version"] = 4.5
		case o["maintenance"] != nil:
			o["maintenance"] = "false"
		case o["source_blob"] != nil:
			o["source_blob"] = "https://s3.example/get"
		case o["status"] != nil:
			o["status"] = 1
		case o["stage"] != nil:
			o["stage"] = []any{"review"}
		default:
			for _, k := range []string{"id", "name", "hostname", "logplex_url"} {
				if o[k] != nil {
					o[k] = 7
					break
				}
			}
		}
		b, _ := json.Marshal(v)
		return string(b)
	}},
}

// TestMalformedAnswersAreUnknown: no client method reads a malformed 2xx
// answer as an answer. Each is unknown (Unavailable: exit 4), names the
// request and says what was wrong; a POST that may have made something is
// not sent twice and counts as ambiguous; a read is retried.
func TestMalformedAnswersAreUnknown(t *testing.T) {
	for _, m := range malformedAnswers {
		for route, call := range calls {
			good := wellFormed[route]
			body := m.body(route, good)
			if body == "" {
				continue
			}
			t.Run(m.name+"/"+route, func(t *testing.T) {
				s, c := serve(t, func(r *http.Request) (int, string) { return 200, body })
				err := call(context.Background(), c)
				var e *Error
				if !errors.As(err, &e) || !e.Unknown || !IsUnknown(err) || !Unavailable(err) || StatusOf(err) != 0 || Absent(err) {
					t.Fatalf("answer %s: err = %v, want an unknown answer", body, err)
				}
				method, pattern, _ := strings.Cut(strings.Split(route, " (")[0], " ")
				if ok, _ := path.Match(pattern, e.Path); !ok || e.Method != method || !strings.Contains(err.Error(), "the answer was not the JSON the API sends") {
					t.Errorf("error %q: want it to name %s and say the answer was not Heroku's", err, route)
				}
				switch {
				case method == "GET" || method == "DELETE" || route == "PATCH /apps/*" || route == "PATCH /apps/*/formation" || route == "POST /sources" || strings.HasSuffix(route, "/stop") || route == "POST /apps/*/log-sessions":
					if s.n.Load() != 2 {
						t.Errorf("a request safe to repeat was sent %d times, want 2 (one retry)", s.n.Load())
					}
				default:
					if s.n.Load() != 1 || !ambiguous(err) {
						t.Errorf("sent %d times (want 1), ambiguous %v (want true)", s.n.Load(), ambiguous(err))
					}
				}
			})
		}
	}
}

// TestRequiredFields: the answers the commands decide on hold what they
// decide with; pointers the code follows are not null where it follows
// them.
func TestRequiredFields(t *testing.T) {
	for _, tc := range []struct {
		route, body, why string
	}{
		{"GET /apps/*", `{"id":"a","name":"app","stack":{"name":"heroku-24"}}`, `field "maintenance" is missing or null`},
		{"GET /apps/*", `{"id":"a","name":"app","maintenance":null,"stack":{"name":"heroku-24"}}`, `field "maintenance" is missing or null`},
		{"GET /apps/*", `{"id":"a","name":"app","maintenance":false,"stack":null}`, `field "stack.name" is missing or null`},
		{"GET /apps/*", `{"id":"a","name":"app","maintenance":false,"stack":{"name":"heroku-24"},"web_url":5}`, `field "web_url" is a number, not string`},
		{"GET /apps/*/pipeline-couplings", `{"id":"c","pipeline":{"id":"p"}}`, `field "stage" is missing or null`},
		{"GET /apps/*/pipeline-couplings", `{"id":"c","pipeline":{"id":"p"},"stage":""}`, `field "stage" is not a non-empty string`},
		{"GET /apps/*/pipeline-couplings", `{"id":"c","pipeline":null,"stage":"review"}`, `field "pipeline.id" is missing or null`},
		{"GET /apps/*/releases/*", `{"id":"r","version":4.0,"status":"succeeded","current":true}`, `field "version" is a number 4.0, not int`},
		{"GET /apps/*/releases/*", `{"id":"r","version":0,"status":"succeeded","current":true}`, `field "version" is not a positive integer`},
		{"GET /apps/*/releases/*", `{"id":"r","version":4,"status":"succeeded"}`, `field "current" is missing or null`},
		{"GET /apps/*/releases", `[{"id":"r","version":4,"status":"succeeded","current":true},{"id":"q","version":"3","status":"succeeded","current":false}]`, `field "version" is a string, not int`},
		{"GET /apps/*/releases", `[{"id":"r","version":4,"status":"succeeded","current":true},{"version":3,"status":"succeeded","current":false}]`, `item 2: field "id" is missing or null`},
		{"GET /apps/*/builds/*", `{"id":"b","status":"succeeded","source_blob":{"url":"u"},"release":{}}`, `field "release.id" is missing or null`},
		{"GET /apps/*/builds/*", `{"id":"b","source_blob":{"url":"u"}}`, `field "status" is missing or null`},
		{"GET /pipeline-promotions/*/promotion-targets", `[{"id":"t","app":{"id":"a"},"status":"succeeded","release":null}]`, `item 1: field "release" is missing or null (status is succeeded)`},
		{"GET /app-setups/*", `{"id":"s","status":"succeeded","build":null}`, `field "build" is missing or null (status is succeeded)`},
		{"GET /app-setups/*", `{"id":"s","status":"failed","build":{"status":"failed"}}`, `field "build.id" is missing or null`},
		{"GET /apps/*/oci-images/*", `[]`, `an empty list`},
		{"GET /apps/*/oci-images/*", `[{"commit":"abc"}]`, `item 1: field "id" is missing or null`},
		{"GET /apps/*/oci-images/*", `[{"id":"i","commit":5}]`, `field "commit" is a number, not string`},
		{"GET /apps/*/addons", `[{"id":"ad"}]`, `item 1: field "config_vars" is missing or null`},
		{"GET /apps/*/domains", `[{"hostname":"x.herokuapp.com","kind":"heroku"},{"hostname":"","kind":"custom"}]`, `item 2: field "hostname" is not a non-empty string`},
		{"POST /sources", `{"source_blob":{"get_url":"g"}}`, `field "source_blob.put_url" is missing or null`},
		{"GET /apps/*/config-vars", `{"A":["x"]}`, `a value is an array, not string`},
		{"GET /apps/*/slugs/*", `{"id":"s","commit":7}`, `field "commit" is a number, not string`},
		{"GET /apps/x/y/z", `{}`, `no answer to this request is known`},
		{"GET /apps/*", ``, `an empty body`},
	} {
		method, p, _ := strings.Cut(tc.route, " ")
		p = strings.ReplaceAll(p, "*", "x")
		var v any
		if tc.body != "" {
			if err := json.Unmarshal([]byte(tc.body), &v); err != nil {
				t.Fatalf("%s: bad test body: %v", tc.route, err)
			}
		}
		if got := checkAnswer(method, p, "", []byte(tc.body), v); got != tc.why {
			t.Errorf("%s answered %s: %q, want %q", tc.route, tc.body, got, tc.why)
		}
	}
}

// TestErrorAnswersMustBeHerokus: an error status means what it says only
// with Heroku's error JSON (a string id and message); any other body, a
// proxy's or a router's page, is unknown: StatusOf is 0, nothing reads it
// as absent, and it is Unavailable (exit 4), naming the request.
func TestErrorAnswersMustBeHerokus(t *testing.T) {
	for _, tc := range []struct {
		name, body, guess string
	}{
		{"an HTML page", "<!DOCTYPE html><html><body>Not Found</body></html>", "an HTML page?"},
		{"plain text", "404 page not found\n", "plain text?"},
		{"{}", "{}", "JSON without a string id and message"},
		{"null", "null", "JSON that is not an object"},
		{"truncated JSON", `{"id":"not_found","mess`, "JSON cut short"},
		{"an id that is not a string", `{"id":404,"message":"Couldn't find that app."}`, "JSON without a string id and message"},
		{"no message", `{"id":"not_found"}`, "JSON without a string id and message"},
		{"an empty id", `{"id":"","message":"Couldn't find that app."}`, "JSON without a string id and message"},
		{"a list", `[{"id":"not_found","message":"x"}]`, "JSON that is not an object"},
		{"no body", "", "an empty body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := serve(t, func(*http.Request) (int, string) { return 404, tc.body })
			_, err := c.CouplingOf(context.Background(), "app")
			if StatusOf(err) != 0 || Absent(err) || !IsUnknown(err) || !Unavailable(err) {
				t.Fatalf("404 %q: err = %v, StatusOf %d, Absent %v: want unknown", tc.body, err, StatusOf(err), Absent(err))
			}
			want := "GET /apps/app/pipeline-couplings: 404 whose body is not Heroku's JSON (" + tc.guess + "): the answer is unknown"
			if err.Error() != want {
				t.Errorf("reads %q, want %q", err, want)
			}
			if s.n.Load() != 1 {
				t.Errorf("a 404 was retried: %d requests", s.n.Load())
			}
		})
	}
	// Heroku's own: a status to read, and absence only with not_found.
	_, c := serve(t, func(*http.Request) (int, string) {
		return 404, `{"id":"not_found","message":"Couldn't find that pipeline coupling.","url":"https://devcenter.heroku.com"}`
	})
	_, err := c.CouplingOf(context.Background(), "app")
	if StatusOf(err) != 404 || !Absent(err) || IsUnknown(err) || Unavailable(err) {
		t.Errorf("Heroku's 404: %v, StatusOf %d, Absent %v", err, StatusOf(err), Absent(err))
	}
	_, c = serve(t, func(*http.Request) (int, string) { return 404, `{"id":"no_such_thing","message":"Gone fishing."}` })
	_, err = c.CouplingOf(context.Background(), "app")
	if StatusOf(err) != 404 || Absent(err) {
		t.Errorf("a 404 of another id: %v, StatusOf %d, Absent %v: want a status, not absence", err, StatusOf(err), Absent(err))
	}
	// An HTML 403 or 401 from a proxy is no refusal by Heroku either.
	for _, st := range []int{401, 403, 409, 422} {
		_, c = serve(t, func(*http.Request) (int, string) { return st, "<html>Forbidden</html>" })
		_, err = c.AppInfo(context.Background(), "app")
		if StatusOf(err) != 0 || !Unavailable(err) {
			t.Errorf("HTML %d: StatusOf %d, Unavailable %v", st, StatusOf(err), Unavailable(err))
		}
	}
	// A 503 page says what a 503 says, as before.
	_, c = serve(t, func(*http.Request) (int, string) { return 503, "<html>down</html>" })
	_, err = c.AppInfo(context.Background(), "app")
	if got := err.Error(); got != "GET /apps/app: 503 Service Unavailable" || !Unavailable(err) {
		t.Errorf("HTML 503 reads %q", got)
	}
}

// TestAnswerOfAnotherApp: an app asked for by name is that app; a delete
// answered with another app's name is unknown.
func TestAnswerOfAnotherApp(t *testing.T) {
	_, c := serve(t, func(*http.Request) (int, string) {
		return 200, strings.Replace(appJSON, `"name":"app"`, `"name":"prod"`, 1)
	})
	if _, err := c.AppInfo(context.Background(), "app"); !IsUnknown(err) || !strings.Contains(err.Error(), `it is app "prod"'s`) {
		t.Errorf("GET: %v, want unknown", err)
	}
	if err := c.DeleteApp(context.Background(), "app"); !IsUnknown(err) {
		t.Errorf("DELETE: %v, want unknown", err)
	}
	// By id, the name is not known beforehand.
	if _, err := c.AppInfo(context.Background(), "a0000000-0000-4000-8000-000000000001"); err != nil {
		t.Errorf("by id: %v", err)
	}
	_, c = serve(t, func(*http.Request) (int, string) { return 200, `[]` })
	if _, err := c.LatestRelease(context.Background(), "app"); !IsUnknown(err) {
		t.Errorf("no release at all: %v, want unknown", err)
	}
}

// TestRetryOfAMalformedAnswerSaysWhatCame: the retry warning of a read
// answered 200 {} names the 200 and what was wrong, not the 502 that
// stands in for it.
func TestRetryOfAMalformedAnswerSaysWhatCame(t *testing.T) {
	var lines []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "{}") }))
	defer srv.Close()
	c := New(Config{URL: srv.URL, Key: testKey, RetryMax: 1, RetryWaitMin: 1, RetryWaitMax: 1, Notify: func(s string) { lines = append(lines, s) }})
	c.AppInfo(context.Background(), "app")
	want := `GET /apps/app: 200 whose body is not the JSON the API sends (field "id" is missing or null) (attempt 1 of 2, next in `
	if len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
		t.Errorf("retry warnings %q, want one starting %q", lines, want)
	}
}
