// Package fault is the fault language of the test fakes (the Heroku
// simulator, the GitLab fake): which requests misbehave and how, as
// Heroku, GitLab, a proxy in front of them or a hostile server might.
// Parse reads it, Take picks the fault a request meets, and a fake's
// Dialect serves the request with it as an HTTP middleware would. Tests
// only. Written as text:
//
//	METHOD PATH EFFECT... [times=N] [skip=N]
//
// METHOD is a verb or *, PATH a path.Match pattern ("*" is one segment)
// matched against the request's path (below the API's base: the GitLab
// fake's /projects/…, not /api/v4/projects/…). times=N affects N matching
// requests (default: all), skip=N lets the first N through. The effects
// every fake knows:
//
//	NNN            answer with this status (2xx, 4xx, 5xx); alone, a 4xx or
//	               5xx carries the API's own error body
//	html           the body is an HTML page, as a load balancer sends
//	text           the body is a plain-text page (text/plain)
//	truncated      the body is JSON cut off halfway
//	empty-object   the body is {}
//	null           the body is null
//	               (each of these five needs a status: any status, any body)
//	wrongtype=FIELD[:AS]
//	               the request is served and FIELD of its JSON answer, in
//	               every object at any depth (list elements included), gets
//	               the wrong type: a string becomes a number, a number a
//	               string, a bool a string, an object, a list or null a
//	               string; AS picks it instead: string, number, float (a
//	               number gets a fraction: 7 becomes 7.5), bool, object,
//	               null, absent (the field is left out). The answer keeps
//	               its status unless the fault gives one. An answer without
//	               FIELD is reported to the fake (Dialect.Missed).
//	after          let the request take effect first, then answer with the
//	               fault; "after reset" applies the change, then cuts the
//	               connection without an answer
//	reset          cut the connection (after reading part of the request)
//	hang           never answer; the client must give up on its own
//	delay=D        wait D before anything else (alone: a slow answer); the
//	               request is served even if the client gave up meanwhile
//	barrier=N      hold each matching request until N have arrived, then
//	               serve them all, answering none before all were served:
//	               concurrent clients that read the same state
//	redirect       answer 302 to a trap (where the fake has one)
//	leak           echo a secret the caller sent (where the fake knows how)
//
// A fake adds words of its own (Dialect.Flags, Dialect.Ints), which its
// handlers read from the request's fault (Of, Fault.Has, Fault.Int).
package fault

import (
	"fmt"
	"iter"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Bodies are the body effects.
var Bodies = []string{"html", "text", "truncated", "empty-object", "null"}

// retypes are wrongtype's AS.
var retypes = []string{"string", "number", "float", "bool", "object", "null", "absent"}

// Fault makes matching requests misbehave (see the package's doc).
type Fault struct {
	Method    string // "*" for any
	Path      string
	Status    int    // 0: none
	Body      string // one of Bodies, or ""
	WrongType string // wrongtype's FIELD, or ""
	WrongAs   string // wrongtype's AS, or "" for the default
	After     bool
	Reset     bool
	Hang      bool
	Redirect  bool
	Leak      bool
	Delay     time.Duration
	holding   int               // requests held right now (Holds)
	Barrier   int               // hold requests until this many arrived (0 = off)
	Times     int               // requests affected; 0 = all
	Skip      int               // matching requests let through first
	Own       map[string]string // the fake's own words: word → value ("" for a flag)

	text     string
	mu       sync.Mutex
	hits     int
	arrived  int
	released chan struct{}
	served   int
	answered chan struct{}
}

func (f *Fault) String() string { return f.text }

// Has reports whether the fault has the fake's own word w.
func (f *Fault) Has(w string) bool {
	if f == nil {
		return false
	}
	_, ok := f.Own[w]
	return ok
}

// Int returns the value of the fake's own word w=N.
func (f *Fault) Int(w string) (int, bool) {
	if !f.Has(w) {
		return 0, false
	}
	n, err := strconv.Atoi(f.Own[w])
	return n, err == nil
}

// Parse reads the text form of a fault in dialect d (nil: the words every
// fake knows, without redirect and leak).
func Parse(s string, d *Dialect) (*Fault, error) {
	if d == nil {
		d = &Dialect{}
	}
	name := d.Name
	if name == "" {
		name = "fault"
	}
	fields := strings.Fields(s)
	if len(fields) < 3 {
		return nil, fmt.Errorf("fault %q: want METHOD PATH EFFECT... (see %s -help)", s, name)
	}
	f := &Fault{Method: strings.ToUpper(fields[0]), Path: fields[1], text: s, Own: map[string]string{}}
	if _, err := path.Match(f.Path, "/"); err != nil {
		return nil, fmt.Errorf("fault %q: bad path pattern: %v", s, err)
	}
	flags := map[string]*bool{"after": &f.After, "reset": &f.Reset, "hang": &f.Hang}
	if d.Redirect != nil {
		flags["redirect"] = &f.Redirect
	}
	if d.Leak != nil {
		flags["leak"] = &f.Leak
	}
	for _, tok := range fields[2:] {
		k, v, hasV := strings.Cut(tok, "=")
		n, nerr := strconv.Atoi(v)
		switch {
		case !hasV && isStatus(k):
			if f.Status != 0 {
				return nil, fmt.Errorf("fault %q: two statuses", s)
			}
			f.Status, _ = strconv.Atoi(k)
		case !hasV && slices.Contains(Bodies, k):
			if f.Body != "" {
				return nil, fmt.Errorf("fault %q: two bodies, %s and %s", s, f.Body, k)
			}
			f.Body = k
		case !hasV && flags[k] != nil:
			*flags[k] = true
		case !hasV && slices.Contains(d.Flags, k):
			f.Own[k] = ""
		case hasV && slices.Contains(d.Ints, k) && nerr == nil && n >= 0:
			f.Own[k] = v
		case k == "times" && nerr == nil && n >= 0:
			f.Times = n
		case k == "skip" && nerr == nil && n >= 0:
			f.Skip = n
		case k == "barrier" && nerr == nil && n >= 2:
			f.Barrier, f.released, f.answered = n, make(chan struct{}), make(chan struct{})
		case k == "delay":
			dur, err := time.ParseDuration(v)
			if err != nil || dur <= 0 {
				return nil, fmt.Errorf("fault %q: bad delay %q", s, v)
			}
			f.Delay = dur
		case k == "wrongtype" && v != "":
			f.WrongType, f.WrongAs, _ = strings.Cut(v, ":")
			if f.WrongType == "" || (f.WrongAs != "" && !slices.Contains(retypes, f.WrongAs)) {
				return nil, fmt.Errorf("fault %q: wrongtype=FIELD[:AS], AS one of %s", s, strings.Join(retypes, ", "))
			}
		default:
			return nil, fmt.Errorf("fault %q: unknown effect %q (see %s -help)", s, tok, name)
		}
	}
	switch {
	case f.Status == 0 && f.WrongType == "" && !f.Reset && !f.Hang && !f.Redirect && !f.Leak && len(f.Own) == 0 && f.Delay == 0 && f.Barrier == 0:
		return nil, fmt.Errorf("fault %q: no effect (a status, wrongtype=FIELD, reset, hang, delay=D, barrier=N%s)", s, d.words())
	case f.Body != "" && f.Status == 0:
		return nil, fmt.Errorf("fault %q: %s needs a status (%s with a 200: 200 %s)", s, f.Body, f.Body, f.Body)
	case f.Body != "" && f.WrongType != "":
		return nil, fmt.Errorf("fault %q: %s and wrongtype: one body at a time", s, f.Body)
	case f.Status/100 == 2 && f.Body == "" && f.WrongType == "":
		return nil, fmt.Errorf("fault %q: a %d fault needs a body effect: %s or wrongtype=FIELD", s, f.Status, strings.Join(Bodies, ", "))
	}
	return f, nil
}

// words lists a dialect's own words, for a message.
func (d *Dialect) words() string {
	var w []string
	if d.Redirect != nil {
		w = append(w, "redirect")
	}
	if d.Leak != nil {
		w = append(w, "leak")
	}
	w = append(w, d.Flags...)
	for _, i := range d.Ints {
		w = append(w, i+"=N")
	}
	if len(w) == 0 {
		return ""
	}
	return ", " + strings.Join(w, ", ")
}

func isStatus(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && len(s) == 3 && ((n >= 200 && n <= 299) || (n >= 400 && n <= 599))
}

// Take returns the first of faults that a request meets, counting it,
// or nil. path is the request's path below the API's base.
func Take(faults []*Fault, method, p string) *Fault {
	for _, f := range faults {
		if f.Method != "*" && f.Method != method {
			continue
		}
		if ok, _ := path.Match(f.Path, p); !ok {
			continue
		}
		f.mu.Lock()
		f.hits++
		hit := f.hits > f.Skip && (f.Times == 0 || f.hits <= f.Skip+f.Times)
		f.mu.Unlock()
		if hit {
			return f
		}
	}
	return nil
}

// Met reports whether a request met the fault.
func (f *Fault) Met() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits > f.Skip
}

// Holds reports whether the fault holds the requests it meets for a while
// (delay, hang, barrier): a test can act while one is held.
func (f *Fault) Holds() bool { return f.Delay > 0 || f.Hang || f.Barrier > 0 }

// Holding is how many requests the fault holds right now.
func (f *Fault) Holding() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.holding
}

// Hits is how many requests met the fault.
func (f *Fault) Hits() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := max(0, f.hits-f.Skip)
	if f.Times > 0 {
		n = min(n, f.Times)
	}
	return n
}

// Read is one GET a client made: its path (below the API's base) and how
// many GETs of that path came before it.
type Read struct {
	Path string
	N    int
}

// Reads returns the GET requests among requests (method, path pairs, in
// the order they were made), for a test that runs a command once, then
// again with a fault on each of its reads.
func Reads(requests iter.Seq2[string, string]) []Read {
	var reads []Read
	seen := map[string]int{}
	for method, p := range requests {
		if method == "GET" {
			reads = append(reads, Read{p, seen[p]})
			seen[p]++
		}
	}
	return reads
}

// Fault returns the text of a fault on exactly this read, with effects
// ("200 null", "404 html", "wrongtype=version"): for Parse.
func (r Read) Fault(effects string) string {
	return fmt.Sprintf("GET %s %s skip=%d times=1", matchExactly(r.Path), effects, r.N)
}

func (r Read) String() string { return fmt.Sprintf("GET %s #%d", r.Path, r.N+1) }

// matchExactly escapes what path.Match reads as a pattern.
func matchExactly(p string) string {
	var b strings.Builder
	for _, c := range p {
		if strings.ContainsRune(`*?[\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
