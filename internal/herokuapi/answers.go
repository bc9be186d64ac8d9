package herokuapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path"
	"strings"

	heroku "github.com/heroku/heroku-go/v6"
)

// What a 2xx answer must hold to be read at all, one entry per request the
// client sends. An answer is decoded into heroku-go's type (a field of the
// wrong type, such as a float where an integer belongs, fails there), then
// the fields the commands decide on are checked: present, not null, of the
// right kind. A status or a stage outside the values Heroku's schema lists
// is an answer, read as what it is not: never "succeeded", never a stage
// review apps are at (issue 10: such a release status fails the deploy by
// its name). A list is checked item by item. An answer that fails is unknown: jsonChecker turns it into a 502,
// so that a read is retried and a POST counts as ambiguous, and the error
// says what was wrong. A request missing from the table is refused the
// same way: no answer is read unchecked.

// answer is what one request's 2xx answer must be.
type answer struct {
	route    string // "METHOD /path", the path a path.Match pattern
	variant  string // the Accept variant it answers ("docker-releases"), "" for plain version 3
	decode   func([]byte) error
	rules    []rule
	list     bool // a JSON array whose every item meets the rules
	nonEmpty bool // a list with at least one item
	empty    bool // no body at all is an answer too (202, 204)
}

// rule checks one object of an answer: "" if it holds, else what is wrong.
type rule func(o map[string]any) string

func object[T any](rules ...rule) answer {
	return answer{decode: func(b []byte) error { return json.Unmarshal(b, new(T)) }, rules: rules}
}

func listOf[T any](rules ...rule) answer {
	return answer{list: true, decode: func(b []byte) error { return json.Unmarshal(b, new([]T)) }, rules: rules}
}

func (a answer) at(route string) answer { a.route = route; return a }

// under is the answer of a request sent under an Accept variant.
func (a answer) under(variant string) answer { a.variant = variant; return a }

// key names the entry: its route, and its variant if any.
func (a answer) key() string {
	if a.variant == "" {
		return a.route
	}
	return a.route + " (" + a.variant + ")"
}

// The fields each resource is read for.
var (
	appRules = []rule{str("id"), str("name"), flag("maintenance"), str("stack.name")}
	// A build names its release once it has one: a succeeded build may
	// still have none for a moment (deploy waits for it).
	buildRules = []rule{str("id"), str("status"),
		nullOr("release", str("release.id")), nullOr("slug", str("slug.id"))}
	releaseRules = []rule{str("id"), count("version"), str("status"),
		flag("current"), nullOr("slug", str("slug.id"))}
	couplingRules = []rule{str("id"), str("pipeline.id"), str("stage")}
	// A target that succeeded carries its release; one that failed may
	// say why.
	targetRules = []rule{str("app.id"), str("status"),
		nullOr("release", str("release.id")), when("status", "succeeded", present("release"))}
	// A setup that succeeded carries its build.
	setupRules = []rule{str("id"), str("status"),
		nullOr("build", str("build.id")), when("status", "succeeded", present("build"))}
	dynoRules = []rule{str("id"), str("name"), str("state")}
	// A process type: scale decides on its quantity and size.
	formationRules = []rule{str("type"), quantity("quantity"), str("size")}
)

// answers is every request the client sends, and its answer.
var answers = []answer{
	listOf[App](appRules...).at("GET /apps"),
	object[App](appRules...).at("GET /apps/*"),
	object[App](appRules...).at("PATCH /apps/*"),
	object[App](str("id"), str("name")).at("POST /apps"),
	object[heroku.TeamApp](str("id"), str("name")).at("POST /teams/apps"),
	object[App](str("id"), str("name")).at("DELETE /apps/*"),
	listOf[heroku.Domain](str("hostname"), str("kind")).at("GET /apps/*/domains"),
	listOf[heroku.AddOn](str("id"), texts("config_vars")).at("GET /apps/*/addons"),
	object[AppSetup](setupRules...).at("POST /app-setups"),
	object[AppSetup](setupRules...).at("GET /app-setups/*"),
	object[Build](buildRules...).at("POST /apps/*/builds"),
	listOf[Build](buildRules...).at("GET /apps/*/builds"),
	object[Build](buildRules...).at("GET /apps/*/builds/*"),
	object[Build](buildRules...).at("DELETE /apps/*/builds/*"),
	// Config vars: any names, each a string or null ({} is an app without
	// any).
	object[map[string]*string]().at("GET /apps/*/config-vars"),
	object[map[string]*string]().at("PATCH /apps/*/config-vars"),
	object[Dyno](dynoRules...).at("POST /apps/*/dynos"),
	listOf[Dyno](dynoRules...).at("GET /apps/*/dynos"),
	object[Dyno](dynoRules...).at("GET /apps/*/dynos/*"),
	// Stopping a dyno answers 202 with an empty body, or {}.
	{route: "POST /apps/*/dynos/*/actions/stop", decode: func(b []byte) error { return json.Unmarshal(b, new(map[string]any)) }, empty: true},
	listOf[Formation](formationRules...).at("GET /apps/*/formation"),
	// The batch update answers the whole list, as the GET (schema:
	// formation "Batch Update", targetSchema an array).
	listOf[Formation](formationRules...).at("PATCH /apps/*/formation"),
	// A release of images (docker-releases variant, dockerreleases.go):
	// what it answers is not documented and not read [inferred: the
	// formation, as the batch update]; the release is looked up instead.
	listOf[Formation](str("type")).under(dockerReleases).at("PATCH /apps/*/formation"),
	// Restarting answers 202 with {} or no body (schema: dyno "Restart
	// all", formation "Restart"; the body is not read).
	{route: "DELETE /apps/*/dynos", decode: func(b []byte) error { return json.Unmarshal(b, new(map[string]any)) }, empty: true},
	{route: "DELETE /apps/*/formations/*", decode: func(b []byte) error { return json.Unmarshal(b, new(map[string]any)) }, empty: true},
	object[LogSession](str("id"), str("logplex_url")).at("POST /apps/*/log-sessions"),
	// Heroku answers a list for one image (the identity may be a digest).
	// A commit missing or null reads as none recorded, which promote
	// refuses.
	func() answer {
		a := listOf[OCIImage](str("id"))
		a.nonEmpty = true
		return a.at("GET /apps/*/oci-images/*")
	}(),
	object[Coupling](couplingRules...).at("GET /apps/*/pipeline-couplings"),
	object[Coupling](couplingRules...).at("POST /pipeline-couplings"),
	object[heroku.Pipeline](str("id"), str("name")).at("GET /pipelines/*"),
	object[Promotion](str("id"), str("status")).at("POST /pipeline-promotions"),
	listOf[PromotionTarget](targetRules...).at("GET /pipeline-promotions/*/promotion-targets"),
	listOf[Release](releaseRules...).at("GET /apps/*/releases"),
	object[Release](releaseRules...).at("GET /apps/*/releases/*"),
	object[Release](releaseRules...).at("POST /apps/*/releases"),
	object[Slug](str("id")).at("GET /apps/*/slugs/*"),
	object[Source](str("source_blob.get_url"), str("source_blob.put_url")).at("POST /sources"),
}

// answerFor finds the answer a request sent under variant must get: the
// entry of that variant, else the plain one (a variant that changes only
// what a request does, such as cancel-build, answers as plain version 3).
func answerFor(method, p, variant string) (answer, bool) {
	for _, v := range []string{variant, ""} {
		for _, a := range answers {
			m, pattern, _ := strings.Cut(a.route, " ")
			if ok, _ := path.Match(pattern, p); ok && m == method && a.variant == v {
				return a, true
			}
		}
		if variant == "" {
			break
		}
	}
	return answer{}, false
}

// checkAnswer says what is wrong with a 2xx answer to method p (sent
// under variant), already
// decoded into v (nil for an empty body), or "" when it is well-formed.
func checkAnswer(method, p, variant string, body []byte, v any) string {
	a, ok := answerFor(method, p, variant)
	switch {
	case !ok:
		return "no answer to this request is known"
	case v == nil && a.empty:
		return ""
	case v == nil:
		return "an empty body"
	}
	if err := a.decode(body); err != nil {
		return decodeWhy(err)
	}
	switch v := v.(type) {
	case []any:
		if !a.list {
			return "a list, where an object belongs"
		}
		if a.nonEmpty && len(v) == 0 {
			return "an empty list"
		}
		for i, item := range v {
			o, ok := item.(map[string]any)
			if !ok {
				return fmt.Sprintf("item %d is not an object", i+1)
			}
			if why := apply(a.rules, o); why != "" {
				return fmt.Sprintf("item %d: %s", i+1, why)
			}
		}
	case map[string]any:
		if a.list {
			return "an object, where a list belongs"
		}
		return apply(a.rules, v)
	}
	return ""
}

func apply(rules []rule, o map[string]any) string {
	for _, r := range rules {
		if why := r(o); why != "" {
			return why
		}
	}
	return ""
}

// decodeWhy names what heroku-go's type refused.
func decodeWhy(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		what := "a " + te.Value
		if strings.HasPrefix(te.Value, "array") || strings.HasPrefix(te.Value, "object") {
			what = "an " + te.Value
		}
		if te.Field == "" {
			return fmt.Sprintf("a value is %s, not %s", what, te.Type)
		}
		return fmt.Sprintf("field %q is %s, not %s", te.Field, what, te.Type)
	}
	return shortMessage(err.Error())
}

// lookup walks o along a dotted path; found is false when a step is
// missing or null.
func lookup(o map[string]any, p string) (v any, found bool, why string) {
	var cur any = o
	parts := strings.Split(p, ".")
	for i, k := range parts {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false, fmt.Sprintf("field %q is not an object", strings.Join(parts[:i], "."))
		}
		if cur = m[k]; cur == nil {
			return nil, false, ""
		}
	}
	return cur, true, ""
}

// field is a rule on a required field's value: check says what is wrong
// with it, or "".
func field(p string, check func(v any) string) rule {
	return func(o map[string]any) string {
		v, found, why := lookup(o, p)
		switch {
		case why != "":
			return why
		case !found:
			return fmt.Sprintf("field %q is missing or null", p)
		}
		if why := check(v); why != "" {
			return fmt.Sprintf("field %q %s", p, why)
		}
		return ""
	}
}

// present: the field is there and not null.
func present(p string) rule { return field(p, func(any) string { return "" }) }

// str: a string, not empty.
func str(p string) rule {
	return field(p, func(v any) string {
		if s, ok := v.(string); !ok || s == "" {
			return "is not a non-empty string"
		}
		return ""
	})
}

// texts: a list of strings.
func texts(p string) rule {
	return field(p, func(v any) string {
		l, ok := v.([]any)
		if !ok {
			return "is not a list"
		}
		for _, e := range l {
			if _, ok := e.(string); !ok {
				return "holds something other than strings"
			}
		}
		return ""
	})
}

// flag: true or false.
func flag(p string) rule {
	return field(p, func(v any) string {
		if _, ok := v.(bool); !ok {
			return "is not true or false"
		}
		return ""
	})
}

// count: a positive integer, written without a fraction.
func count(p string) rule {
	return field(p, func(v any) string {
		f, ok := v.(float64)
		if !ok || f < 1 || f != math.Trunc(f) || f > 1<<53 {
			return "is not a positive integer"
		}
		return ""
	})
}

// quantity: an integer, zero or more, written without a fraction.
func quantity(p string) rule {
	return field(p, func(v any) string {
		f, ok := v.(float64)
		if !ok || f < 0 || f != math.Trunc(f) || f > 1<<53 {
			return "is not a whole number of dynos"
		}
		return ""
	})
}

// nullOr: the top-level field p is missing, null, or an object that meets
// rules (whose paths start with p).
func nullOr(p string, rules ...rule) rule {
	return func(o map[string]any) string {
		switch o[p].(type) {
		case nil:
			return ""
		case map[string]any:
			return apply(rules, o)
		}
		return fmt.Sprintf("field %q is not an object", p)
	}
}

// when: rules apply when field p is the string value.
func when(p, value string, rules ...rule) rule {
	return func(o map[string]any) string {
		if v, _, _ := lookup(o, p); v == value {
			if why := apply(rules, o); why != "" {
				return fmt.Sprintf("%s (%s is %s)", why, p, value)
			}
		}
		return ""
	}
}
