package fault

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

// Dialect is what a fake adds to the language and how it answers.
type Dialect struct {
	Name   string   // the fake, for messages ("see NAME -help")
	Prefix string   // the API's base ("/api/v4"), cut from a path before matching; no fault outside it
	Flags  []string // words of its own ("quiet"), which its handlers read
	Ints   []string // NAME=N words of its own (N ≥ 0: "drop")
	// Error writes an error status (f.Status) in the API's own format,
	// with Leak's text in its message when f.Leak.
	Error func(w http.ResponseWriter, r *http.Request, f *Fault)
	// Redirect answers the redirect word; nil: the fake has no trap.
	Redirect func(w http.ResponseWriter, r *http.Request)
	// Leak is what leak echoes; nil: the fake knows no way to leak.
	Leak func(r *http.Request) string
	// LeakHeader carries Leak's text, a warning, when a leak has no status.
	LeakHeader string
	// Self reports whether r's handler reads the fault itself (Of) when
	// the fault does not answer for it (streams).
	Self func(r *http.Request) bool
	// Missed is told when a fault found nothing to act on (wrongtype: no
	// such field in the answer), so that a test cannot pass on a fault that
	// did nothing.
	Missed func(f *Fault, r *http.Request, why string)
}

type ctxKey struct{}

// Of returns the fault a request met, or nil: for handlers that read
// words of their own.
func Of(r *http.Request) *Fault {
	f, _ := r.Context().Value(ctxKey{}).(*Fault)
	return f
}

// Aborter is a ResponseWriter that wants to know of a connection cut
// without an answer (a recorder records status 0).
type Aborter interface{ Abort() }

// Middleware serves each request through the first of faults() it meets
// (Take); taken, when not nil, is told of it first (to record it).
func (d *Dialect) Middleware(faults func() []*Fault, taken func(*Fault, *http.Request), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := strings.CutPrefix(r.URL.Path, d.Prefix)
		var f *Fault
		if ok {
			f = Take(faults(), r.Method, p)
		}
		if f == nil {
			next.ServeHTTP(w, r)
			return
		}
		if taken != nil {
			taken(f, r)
		}
		d.Serve(f, w, r, next)
	})
}

// Serve serves r through fault f; next is the fake's handler.
func (d *Dialect) Serve(f *Fault, w http.ResponseWriter, r *http.Request, next http.Handler) {
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, f))
	self := d.Self != nil && d.Self(r)
	if f.Holds() {
		f.mu.Lock()
		f.holding++
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			f.holding--
			f.mu.Unlock()
		}()
	}
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
		}
	}
	if f.Barrier > 0 {
		f.mu.Lock()
		f.arrived++
		if f.arrived == f.Barrier {
			close(f.released)
		}
		f.mu.Unlock()
		select {
		case <-f.released:
		case <-r.Context().Done():
		}
		if f.plainBarrier() && !self {
			serveTogether(f, w, r, next)
			return
		}
	}
	var answer *httptest.ResponseRecorder
	if f.After || f.WrongType != "" {
		answer = serveAside(next, r) // the request takes effect
	}
	if f.Hang {
		<-r.Context().Done() // the client gave up
		abort(w)
	}
	if f.Reset {
		if r.Body != nil {
			io.CopyN(io.Discard, r.Body, 1024) // part of the upload arrives
		}
		abort(w)
	}
	switch {
	case self && f.Status == 0 && !f.Redirect && f.WrongType == "":
		next.ServeHTTP(w, r) // the handler reads the rest of the fault
	case f.Redirect:
		d.Redirect(w, r)
	case f.WrongType != "":
		body, why := retype(answer.Body.Bytes(), f.WrongType, f.WrongAs)
		if why != "" && d.Missed != nil {
			d.Missed(f, r, why)
		}
		status := answer.Code
		if f.Status != 0 {
			status = f.Status
		}
		for k, v := range answer.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		w.Write(body)
	case f.Status == 0:
		if f.Leak && d.LeakHeader != "" {
			w.Header().Set(d.LeakHeader, "Deprecated; see "+d.Leak(r))
		}
		next.ServeHTTP(w, r) // the request goes on, only marked
	case f.Body != "":
		WriteBody(w, f.Status, f.Body)
	case d.Error != nil:
		d.Error(w, r, f)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.Status)
		json.NewEncoder(w).Encode(map[string]string{"message": http.StatusText(f.Status)})
	}
}

// abort cuts the connection without an answer.
func abort(w http.ResponseWriter) {
	if a, ok := w.(Aborter); ok {
		a.Abort()
	}
	panic(http.ErrAbortHandler)
}

// WriteBody answers status with one of Bodies.
func WriteBody(w http.ResponseWriter, status int, body string) {
	var ctype, text string
	switch body {
	case "html":
		ctype = "text/html; charset=utf-8"
		text = fmt.Sprintf("<html><body><h1>%d %s</h1></body></html>\n", status, http.StatusText(status))
		if status/100 == 2 {
			text = "<html><body><h1>Welcome to nginx!</h1></body></html>\n"
		}
	case "text":
		ctype, text = "text/plain; charset=utf-8", fmt.Sprintf("%d %s\n", status, http.StatusText(status))
	case "truncated":
		ctype, text = "application/json", `{"id":"b0000000-0000-4000-8000-0000000000ff","status":"pend`
	case "empty-object":
		ctype, text = "application/json", "{}\n"
	case "null":
		ctype, text = "application/json", "null\n"
	default:
		panic("fault: no body " + body)
	}
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(status)
	io.WriteString(w, text)
}

// plainBarrier reports whether the barrier is the fault's only effect.
func (f *Fault) plainBarrier() bool {
	return f.Status == 0 && f.WrongType == "" && !f.After && !f.Reset && !f.Hang && !f.Redirect && !f.Leak && len(f.Own) == 0
}

// serveTogether serves a request held by a barrier but answers it only
// once every held request was served: releasing them is not enough, as
// one client could get its answer and act on it (create the app) before
// the fake reads the state for another.
func serveTogether(f *Fault, w http.ResponseWriter, r *http.Request, next http.Handler) {
	rec := serveAside(next, r)
	f.mu.Lock()
	f.served++
	if f.served == f.Barrier {
		close(f.answered)
	}
	f.mu.Unlock()
	select {
	case <-f.answered:
	case <-r.Context().Done():
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// serveAside runs h on r and keeps its answer from the client: the
// request takes effect, the client hears of it only as the fault says.
func serveAside(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// retype gives field the wrong type (as, or by its type) in every object
// of the JSON body, at any depth. It says why when it changed nothing.
func retype(body []byte, field, as string) ([]byte, string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return body, "the answer is not JSON"
	}
	n := 0
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				if k != field {
					walk(x)
					continue
				}
				if as == "absent" {
					delete(t, k)
					n++
					continue
				}
				if y := wrong(x, as); jsonType(y) != jsonType(x) || as == "float" {
					t[k] = y
					n++
				}
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(v)
	if n == 0 {
		return body, "no field " + field + " to change in the answer"
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return b.Bytes(), ""
}

// wrong returns x as type as, or, for "", the wrong type for x.
func wrong(x any, as string) any {
	if as == "" {
		switch x.(type) {
		case string:
			as = "number"
		default:
			as = "string"
		}
	}
	switch as {
	case "string":
		if s, ok := x.(string); ok {
			return s
		}
		b, _ := json.Marshal(x)
		return string(b)
	case "number":
		if s, ok := x.(string); ok {
			if _, err := strconv.ParseFloat(s, 64); err == nil {
				return json.Number(s) // "12" → 12
			}
		}
		if n, ok := x.(json.Number); ok {
			return n
		}
		return json.Number("1")
	case "float":
		if n, ok := x.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				return json.Number(strconv.FormatFloat(f+0.5, 'f', -1, 64))
			}
		}
		return json.Number("1.5")
	case "bool":
		return true
	case "object":
		return map[string]any{}
	}
	return nil // "null"
}

func jsonType(x any) string {
	switch x.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	case map[string]any:
		return "object"
	case []any:
		return "list"
	}
	return "null"
}
