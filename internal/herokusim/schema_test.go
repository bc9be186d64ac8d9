package herokusim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The simulator against Heroku's own schema, as heroku-go v6 ships it: a
// route the schema lacks, a property it returns that Heroku does not, or
// one Heroku always returns that it leaves out, would let the client's
// tests pass against an API that does not exist.

// notBodyChecked are routes whose answers no test checks against the
// schema, each with the reason; every other route must be checked (see
// TestMain).
var notBodyChecked = map[string]string{
	"GET /apps/{}/builds/{}/result": "removed endpoint: answers 410 with an error body",
	// Heroku answers 202 with no body (heroku-platform-api.md, dynos), which
	// the client must take; an empty object would be the kinder case.
	"POST /apps/{}/dynos/{}/actions/stop": "answers 202 with an empty body",
}

// bodyChecked records the routes ("METHOD /apps/{}/…") whose answers a
// checker has seen, for TestMain's coverage check.
var bodyChecked sync.Map

// TestMain fails a full run of the package when a route the simulator
// serves had no answer checked against the schema: a route added without
// a body check would otherwise drift from Heroku unseen.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" {
		for _, p := range New(Options{}).patterns {
			_, seen := bodyChecked.Load(shape(p))
			if !seen && notBodyChecked[shape(p)] == "" {
				fmt.Fprintf(os.Stderr, "no test checks the answer of %s against Heroku's schema\n", p)
				code = 1
			}
		}
	}
	os.Exit(code)
}

// notInSchema are routes served on purpose though the schema lacks them.
var notInSchema = map[string]string{
	// Removed in 2018 (410 Gone); served so that a client using it fails
	// as it would on Heroku.
	"GET /apps/{}/builds/{}/result": "removed endpoint",
}

type hyperSchema struct {
	root  map[string]any
	links map[string]map[string]any // "METHOD /apps/{}/builds/{}" -> link
}

func loadSchema(t *testing.T) *hyperSchema {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/heroku/heroku-go/v6").Output()
	if err != nil {
		t.Fatalf("go list heroku-go/v6: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := &hyperSchema{links: map[string]map[string]any{}}
	if err := json.Unmarshal(b, &s.root); err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`\{\([^)]*\)\}`)
	for _, def := range s.root["definitions"].(map[string]any) {
		links, _ := def.(map[string]any)["links"].([]any)
		for _, l := range links {
			link := l.(map[string]any)
			href, _ := url.PathUnescape(param.ReplaceAllString(link["href"].(string), "{}"))
			s.links[link["method"].(string)+" "+href] = link
		}
	}
	return s
}

// shape writes a route with its parameters blank: "GET /apps/{}/builds/{}".
func shape(route string) string {
	return regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(route, "{}")
}

func TestRoutesExistInHerokusSchema(t *testing.T) {
	schema := loadSchema(t)
	s := New(Options{})
	if len(s.patterns) == 0 {
		t.Fatal("the simulator lists no routes")
	}
	for _, p := range s.patterns {
		if _, ok := schema.links[shape(p)]; !ok && notInSchema[shape(p)] == "" {
			t.Errorf("the simulator serves %s, which Heroku's schema does not have", p)
		}
	}
}

// TestBodiesMatchHerokusSchema walks a Cedar and a Fir deploy through the
// simulator with plain HTTP and checks every JSON answer against the
// schema: each property Heroku returns (the schema's required list, or
// every property it defines) is there with one of its types, and nothing
// else is where the schema is strict.
func TestBodiesMatchHerokusSchema(t *testing.T) {
	schema := loadSchema(t)
	for _, spec := range []string{"demo", "demo:fir", "demo:no-web-url"} {
		t.Run(spec, func(t *testing.T) {
			s := start(t, Options{Apps: []string{spec}, ReleaseLag: 1})
			check := schema.checker(t)
			get := func(route, target string) []byte {
				t.Helper()
				resp, b := s.do("GET", target, nil)
				if resp.StatusCode/100 != 2 {
					t.Fatalf("GET %s: %d %s", target, resp.StatusCode, b)
				}
				check("GET", route, target, b)
				return b
			}
			get("/apps/{app}", "/apps/demo")
			get("/apps/{app}/domains", "/apps/demo/domains")
			resp, b := s.do("POST", "/sources", nil)
			check("POST", "/sources", "/sources", b)
			var src struct {
				SourceBlob struct {
					GetURL string `json:"get_url"`
					PutURL string `json:"put_url"`
				} `json:"source_blob"`
			}
			json.Unmarshal(b, &src)
			data := tarball(t, map[string]string{"package.json": `{"scripts":{"start":"node x"}}`, "Procfile": "web: node x\nrelease: ./migrate\n"})
			s.do("PUT", src.SourceBlob.PutURL, bytes.NewReader(data))
			sum := sha256.Sum256(data)
			req, _ := json.Marshal(map[string]any{"source_blob": map[string]string{
				"url": src.SourceBlob.GetURL, "checksum": "SHA256:" + hex.EncodeToString(sum[:]), "version": "abc"}})
			resp, b = s.do("POST", "/apps/demo/builds", bytes.NewReader(req), "Content-Type: application/json")
			if resp.StatusCode != 201 {
				t.Fatalf("POST build: %d %s", resp.StatusCode, b)
			}
			check("POST", "/apps/{app}/builds", "/apps/demo/builds", b)
			var build struct {
				ID      string
				Release *struct{ ID string }
			}
			json.Unmarshal(b, &build)
			for deadline := time.Now().Add(5 * time.Second); build.Release == nil && time.Now().Before(deadline); {
				json.Unmarshal(get("/apps/{app}/builds/{id}", "/apps/demo/builds/"+build.ID), &build)
				time.Sleep(5 * time.Millisecond)
			}
			if build.Release == nil {
				t.Fatal("the build never released")
			}
			get("/apps/{app}/builds", "/apps/demo/builds")
			get("/apps/{app}/releases/{id}", "/apps/demo/releases/"+build.Release.ID)
			get("/apps/{app}/releases", "/apps/demo/releases")
		})
	}
}

// checker returns a function that checks one JSON answer against the
// schema link of its method and route.
func (s *hyperSchema) checker(t *testing.T) func(method, route, target string, body []byte) {
	return func(method, route, target string, body []byte) {
		t.Helper()
		link := s.links[method+" "+shape(route)]
		if link == nil {
			t.Fatalf("%s %s: no schema link", method, route)
		}
		// The route must be the one served, for the coverage to be true.
		pattern := regexp.MustCompile(`\\\{[^}]*\}`).ReplaceAllString(regexp.QuoteMeta(route), "[^/]+")
		if !regexp.MustCompile("^" + pattern + "$").MatchString(target) {
			t.Fatalf("%s %s is checked as %s", method, target, route)
		}
		bodyChecked.Store(method+" "+shape(route), true)
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, target, body)
		}
		target2, _ := link["targetSchema"].(map[string]any)
		if target2 == nil {
			return
		}
		for _, problem := range s.check(target2, v, "") {
			t.Errorf("%s %s: %s", method, route, problem)
		}
	}
}

// caller returns a function that sends a JSON request to s, fails the
// test unless the answer is a 2xx, and checks the answer against the
// schema link of its method and route.
func (sc *hyperSchema) caller(t *testing.T, s *sim) func(method, route, target, body string, hdr ...string) []byte {
	check := sc.checker(t)
	return func(method, route, target, body string, hdr ...string) []byte {
		t.Helper()
		var r io.Reader
		if body != "" {
			r = strings.NewReader(body)
		}
		resp, b := s.do(method, target, r, append(hdr, "Content-Type: application/json")...)
		if resp.StatusCode/100 != 2 {
			t.Fatalf("%s %s: %d %s", method, target, resp.StatusCode, b)
		}
		check(method, route, target, b)
		return b
	}
}

// TestPromotionBodiesMatchHerokusSchema walks a promotion, a release from
// a slug or image, a rollback and their artifacts, on Cedar and Fir, and
// checks every JSON answer against the schema, as above.
func TestPromotionBodiesMatchHerokusSchema(t *testing.T) {
	schema := loadSchema(t)
	for _, gen := range []string{"", ",fir"} {
		t.Run("generation"+gen, func(t *testing.T) {
			s := start(t, Options{Apps: []string{"stage:pipeline=flow/staging" + gen, "prod:pipeline=flow/production" + gen}})
			call := schema.caller(t, s)
			_, final := s.finishOf("stage", s.deployTo("stage", "0123abc", map[string]string{"package.json": `{}`, "Procfile": "release: ./migrate\n"}, ""))
			var rel struct {
				ID, Status string
				Artifacts  []struct{ ID, Type string }
			}
			// Its release phase may still run: only a release that
			// succeeded can be rolled back to, below.
			for deadline := time.Now().Add(5 * time.Second); rel.Status != "succeeded"; time.Sleep(5 * time.Millisecond) {
				json.Unmarshal(call("GET", "/apps/{app}/releases/{id}", "/apps/stage/releases/"+final.Release.ID, ""), &rel)
				if time.Now().After(deadline) {
					t.Fatalf("release %s is still %s", rel.ID, rel.Status)
				}
			}
			art := rel.Artifacts[0]
			if art.Type == "slug" {
				call("GET", "/apps/{app}/slugs/{id}", "/apps/stage/slugs/"+art.ID, "")
				call("POST", "/apps/{app}/releases", "/apps/stage/releases", `{"slug":"`+art.ID+`","description":"again"}`)
			} else {
				call("GET", "/apps/{app}/oci-images/{id}", "/apps/stage/oci-images/"+art.ID, "")
				call("POST", "/apps/{app}/releases", "/apps/stage/releases", `{"oci_image":"`+art.ID+`","description":"again"}`)
			}
			call("POST", "/apps/{app}/releases", "/apps/stage/releases", `{"release":"`+rel.ID+`"}`)
			var coupling struct{ Pipeline struct{ ID string } }
			json.Unmarshal(call("GET", "/apps/{app}/pipeline-couplings", "/apps/stage/pipeline-couplings", ""), &coupling)
			var apps [2]struct{ ID string }
			json.Unmarshal(call("GET", "/apps/{app}", "/apps/stage", ""), &apps[0])
			json.Unmarshal(call("GET", "/apps/{app}", "/apps/prod", ""), &apps[1])
			var promo struct{ ID string }
			json.Unmarshal(call("POST", "/pipeline-promotions", "/pipeline-promotions",
				`{"pipeline":{"id":"`+coupling.Pipeline.ID+`"},"source":{"app":{"id":"`+apps[0].ID+`"},"release":{"id":"`+rel.ID+`"}},"targets":[{"app":{"id":"`+apps[1].ID+`"}}]}`), &promo)
			for deadline := time.Now().Add(5 * time.Second); ; {
				b := call("GET", "/pipeline-promotions/{id}/promotion-targets", "/pipeline-promotions/"+promo.ID+"/promotion-targets", "")
				if !strings.Contains(string(b), `"pending"`) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the promotion never ended: %s", b)
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}

// check returns what in v does not match the schema node.
func (s *hyperSchema) check(node map[string]any, v any, at string) []string {
	node = s.resolve(node)
	for _, key := range []string{"anyOf", "oneOf"} {
		if alts, ok := node[key].([]any); ok {
			var all []string
			for _, alt := range alts {
				p := s.check(alt.(map[string]any), v, at)
				if len(p) == 0 {
					return nil
				}
				all = append(all, p...)
			}
			return []string{fmt.Sprintf("%s: matches none of %s: %s", at, key, strings.Join(all, "; "))}
		}
	}
	if types, ok := node["type"].([]any); ok {
		if !slices.ContainsFunc(types, func(t any) bool { return typeOf(v, t.(string)) }) {
			return []string{fmt.Sprintf("%s: %s is not %v", at, jsonText(v), types)}
		}
	}
	var problems []string
	switch v := v.(type) {
	case map[string]any:
		props, _ := node["properties"].(map[string]any)
		if props == nil {
			return nil
		}
		var required []string
		if r, ok := node["required"].([]any); ok {
			for _, name := range r {
				required = append(required, name.(string))
			}
		} else {
			for name := range props {
				required = append(required, name) // Heroku returns every property it defines
			}
		}
		sort.Strings(required)
		for _, name := range required {
			if _, ok := v[name]; !ok {
				problems = append(problems, fmt.Sprintf("%s.%s is missing", at, name))
			}
		}
		strict, _ := node["strictProperties"].(bool)
		names := make([]string, 0, len(v))
		for name := range v {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			p, ok := props[name].(map[string]any)
			if !ok {
				if strict {
					problems = append(problems, fmt.Sprintf("%s.%s is not in the schema", at, name))
				}
				continue
			}
			problems = append(problems, s.check(p, v[name], at+"."+name)...)
		}
	case []any:
		if items, ok := node["items"].(map[string]any); ok {
			for i, e := range v {
				problems = append(problems, s.check(items, e, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return problems
}

// resolve follows $ref to the node it names.
func (s *hyperSchema) resolve(node map[string]any) map[string]any {
	for {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node
		}
		cur := s.root
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = cur[part].(map[string]any)
		}
		node = cur
	}
}

func typeOf(v any, t string) bool {
	switch v := v.(type) {
	case nil:
		return t == "null"
	case bool:
		return t == "boolean"
	case string:
		return t == "string"
	case float64:
		return t == "number" || (t == "integer" && v == math.Trunc(v))
	case []any:
		return t == "array"
	case map[string]any:
		return t == "object"
	}
	return false
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		b = append(b[:60], "…"...)
	}
	return string(b)
}

// TestLifecycleBodiesMatchHerokusSchema checks the answers of the routes
// behind run, config, maintenance and a stopped deploy: a source on an
// app, cancelling a build, config vars, maintenance mode, one-off dynos
// and their log sessions, on Cedar and Fir.
func TestLifecycleBodiesMatchHerokusSchema(t *testing.T) {
	schema := loadSchema(t)
	for _, spec := range []string{"demo", "demo:fir"} {
		t.Run(spec, func(t *testing.T) {
			s := start(t, Options{Apps: []string{spec}, Stuck: true})
			call := schema.caller(t, s)
			call("POST", "/apps/{app}/sources", "/apps/demo/sources", "")
			build := s.deployTo("demo", "abc", map[string]string{"package.json": `{}`}, "")
			call("DELETE", "/apps/{app}/builds/{id}", "/apps/demo/builds/"+build.ID, "", "-Accept", "Accept: "+acceptPrefix+".cancel-build")

			call("PATCH", "/apps/{app}/config-vars", "/apps/demo/config-vars", `{"GREETING":"hello","GONE":null}`)
			call("GET", "/apps/{app}/config-vars", "/apps/demo/config-vars", "")
			call("PATCH", "/apps/{app}", "/apps/demo", `{"maintenance":true}`)
			call("PATCH", "/apps/{app}", "/apps/demo", `{"maintenance":false}`)

			command := "sleep 30"
			if strings.HasSuffix(spec, ":fir") {
				command = "launcher sleep 30"
			}
			var d struct{ ID, Name string }
			json.Unmarshal(call("POST", "/apps/{app}/dynos", "/apps/demo/dynos", `{"command":"`+command+`","attach":false,"time_to_live":60}`), &d)
			call("GET", "/apps/{app}/dynos/{id}", "/apps/demo/dynos/"+d.ID, "")
			call("GET", "/apps/{app}/dynos", "/apps/demo/dynos", "")
			call("POST", "/apps/{app}/log-sessions", "/apps/demo/log-sessions", `{"dyno_name":"`+d.Name+`","tail":true}`)
			if resp, b := s.do("POST", "/apps/demo/dynos/"+d.ID+"/actions/stop", nil); resp.StatusCode != 202 {
				t.Fatalf("stop: %d %s", resp.StatusCode, b)
			}
		})
	}
}
