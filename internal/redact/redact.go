// Package redact is the one place that scrubs secrets from what
// heroku-deploy prints: every line on stdout and stderr passes through a
// Redactor, whatever produced it (our errors, Heroku's messages and
// warnings, build and release logs, a one-off dyno's output, verbose
// traces). It knows the API key, the signed URLs the session has seen and
// config values, and it drops the query string of any URL that carries a
// signature.
//
// A secret is masked in every form a server or a program may echo it in
// (see forms): as it is, JSON-escaped (with and without HTML escaping),
// \u-escaped, and URL-encoded.
//
// Short values: a value under MinLen characters is not masked. Replacing
// "1", "true" or "eu" everywhere would mangle the log and protect nothing
// that four characters can hide. heroku-deploy never prints a config value
// itself (it names config vars only); what can still print a short one is
// Heroku's side (a build or release log, a one-off command's output), and
// the commands that set such a value warn once where (see Short).
package redact

import (
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// mask replaces a secret.
const mask = "[REDACTED]"

// MinLen is the shortest value, in characters, treated as a secret.
const MinLen = 5

// Short reports whether v is too short to be masked: the caller should
// say where it could still be printed. (A line of a multi-line value is
// masked on its own too, when it is not short; a value as a whole is.)
func Short(v string) bool { return utf8.RuneCountInString(v) < MinLen }

// lines is v and, for a multi-line value, each of its lines: logs are
// scrubbed line by line, so each line of a PEM key is a secret of its own.
func lines(v string) []string {
	if !strings.ContainsAny(v, "\r\n") {
		return []string{v}
	}
	return append([]string{v}, strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\r' })...)
}

// Redactor holds the session's secrets. Its zero value is ready to use.
type Redactor struct {
	mu    sync.RWMutex
	forms []string        // every form of every secret, longest first
	have  map[string]bool // forms, to add each once
}

// Add registers secrets, such as the API key or a config value, in every
// form they may be echoed in.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.have == nil {
		r.have = map[string]bool{}
	}
	added := false
	for _, s := range secrets {
		for _, line := range lines(s) {
			if Short(line) {
				continue
			}
			for _, f := range forms(line) {
				if !r.have[f] {
					r.have[f], added = true, true
					r.forms = append(r.forms, f)
				}
			}
		}
	}
	if added {
		sort.SliceStable(r.forms, func(i, j int) bool { return len(r.forms[i]) > len(r.forms[j]) })
	}
}

// forms is every way s may be echoed: as it is; JSON-escaped as Go's
// json.Marshal writes it (<, > and & as \u003c…) and without HTML
// escaping (as most servers do: \" \\ \n); JSON restricted to ASCII, with
// non-ASCII characters \u-escaped (Python's json.dumps, Ruby's ascii_only),
// with and without HTML escaping; fully \u-escaped (every character an
// encoder may escape, as \uXXXX); each \u form with lower- and upper-case
// hex digits (Go and Python write "\u00e9", Jackson "\u00E9"); URL-encoded
// as a query value (space as +) and as a path segment (space as %20), with
// upper- and lower-case hex digits. Forms that are the same string are one.
func forms(s string) []string {
	out := []string{s, jsonHTML(s), jsonPlain(s)}
	for _, upper := range []bool{false, true} {
		out = append(out,
			jsonEscape(s, escASCII, upper),
			jsonEscape(s, escASCII|escHTML, upper),
			jsonEscape(s, escASCII|escHTML|escAllU, upper),
		)
	}
	for _, u := range []string{url.QueryEscape(s), url.PathEscape(s)} {
		out = append(out, u, lowerHex(u))
	}
	seen := map[string]bool{}
	uniq := out[:0]
	for _, f := range out {
		if !seen[f] {
			seen[f] = true
			uniq = append(uniq, f)
		}
	}
	return uniq
}

// jsonHTML is s as json.Marshal writes it, without the quotes.
func jsonHTML(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b[1 : len(b)-1])
}

// jsonPlain is s as a JSON encoder that does not escape HTML writes it.
func jsonPlain(s string) string {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	e.Encode(s) // "…"\n
	return b.String()[1 : b.Len()-2]
}

const (
	escASCII = 1 << iota // non-ASCII as \uXXXX (UTF-16 surrogate pairs past U+FFFF)
	escHTML              // < > & as \u003c \u003e \u0026
	escAllU              // " \ / ' and control characters as \uXXXX too
)

// jsonEscape writes s as the inside of a JSON string, escaping as told.
func jsonEscape(s string, how int, upper bool) string {
	hex := "0123456789abcdef"
	if upper {
		hex = "0123456789ABCDEF"
	}
	var b strings.Builder
	u := func(r rune) {
		b.WriteString(`\u`)
		for shift := 12; shift >= 0; shift -= 4 {
			b.WriteByte(hex[(r>>shift)&0xF])
		}
	}
	for _, r := range s { // invalid UTF-8 reads as U+FFFD, as encoders write it
		allU := how&escAllU != 0
		switch {
		case r == '"' || r == '\\':
			if allU {
				u(r)
			} else {
				b.WriteByte('\\')
				b.WriteRune(r)
			}
		case allU && (r == '/' || r == '\''):
			u(r)
		case r < 0x20:
			short := map[rune]string{'\n': `\n`, '\r': `\r`, '\t': `\t`, '\b': `\b`, '\f': `\f`}[r]
			if short != "" && !allU {
				b.WriteString(short)
			} else {
				u(r)
			}
		case how&escHTML != 0 && (r == '<' || r == '>' || r == '&'):
			u(r)
		case r == '\u2028' || r == '\u2029' || (how&escASCII != 0 && r >= 0x7F):
			if r > 0xFFFF {
				r1, r2 := utf16.EncodeRune(r)
				u(r1)
				u(r2)
			} else {
				u(r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// lowerHex turns a URL encoding's %XX into %xx.
func lowerHex(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = bytes.ToLower(b[i+1 : i+2])[0], bytes.ToLower(b[i+2 : i+3])[0]
		}
	}
	return string(b)
}

// AddValues adds config values (NAME: value) and returns the names, sorted,
// of those too short to mask (Short): heroku-deploy prints names only, but
// what Heroku's side prints shows them as they are.
func (r *Redactor) AddValues(vars map[string]string) (short []string) {
	for name, v := range vars {
		r.Add(v)
		if Short(v) {
			short = append(short, name)
		}
	}
	slices.Sort(short)
	return short
}

// AddURL registers a signed or tokenised URL: its query string is the
// credential (and the whole URL with it).
func (r *Redactor) AddURL(u string) {
	if _, q, ok := strings.Cut(u, "?"); ok {
		r.Add(u, q)
	}
}

// AddAny registers a secret of any kind: the value, and its query string
// when it is a URL.
func (r *Redactor) AddAny(s string) {
	r.Add(s)
	r.AddURL(s)
}

// signedQuery finds a URL whose query carries a signature or a credential,
// whether or not the session registered it: AWS SigV2/SigV4 presigned URLs
// (storage, build output streams) and anything calling itself a token. The
// path stays (it names the object, and helps); the query goes, up to the
// punctuation that ends a sentence. A match never spans a line.
var signedQuery = regexp.MustCompile(`(?i)(https?://[^\s"'<>?]+)\?[^\s"'<>]*(signature|x-amz-|awsaccesskeyid|token|key|secret|sig=)[^\s"'<>]*[^\s"'<>:,.;)]`)

// String returns s with every secret masked.
func (r *Redactor) String(s string) string {
	s = scrubSigned(s)
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.maskSpans(s, r.spans(s))
}

// scrubSigned applies signedQuery to the lines that could match it: the
// regular expression is most of the redactor's cost, and most lines hold
// no URL with a query.
func scrubSigned(s string) string {
	if !strings.Contains(s, "://") || !strings.Contains(s, "?") {
		return s
	}
	var b strings.Builder
	for rest := s; rest != ""; {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		rest = rest[len(line):]
		if strings.Contains(line, "://") && strings.Contains(line, "?") {
			line = signedQuery.ReplaceAllString(line, "$1?"+mask)
		}
		b.WriteString(line)
	}
	return b.String()
}

// spans returns where secrets lie in s, overlapping ones merged, in order.
// The caller holds the read lock.
func (r *Redactor) spans(s string) [][2]int {
	var sp [][2]int
	for _, f := range r.forms {
		for off := 0; ; {
			i := strings.Index(s[off:], f)
			if i < 0 {
				break
			}
			sp = append(sp, [2]int{off + i, off + i + len(f)})
			off += i + 1
		}
	}
	if len(sp) < 2 {
		return sp
	}
	sort.Slice(sp, func(i, j int) bool { return sp[i][0] < sp[j][0] })
	merged := sp[:1]
	for _, x := range sp[1:] {
		last := &merged[len(merged)-1]
		if x[0] < last[1] { // overlapping: one secret inside or across another
			last[1] = max(last[1], x[1])
			continue
		}
		merged = append(merged, x)
	}
	return merged
}

// maskSpans replaces each span of s with the mask.
func (r *Redactor) maskSpans(s string, sp [][2]int) string {
	if len(sp) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	at := 0
	for _, x := range sp {
		b.WriteString(s[at:x[0]])
		b.WriteString(mask)
		at = x[1]
	}
	b.WriteString(s[at:])
	return b.String()
}

// tail is how many bytes at the end of s could be the beginning of a
// secret: the longest end of s that begins one of the forms. The caller
// holds the read lock.
func (r *Redactor) tail(s string) int {
	best := 0
	for _, f := range r.forms {
		// An end as long as f is a whole match, masked now; one no longer
		// than best changes nothing.
		from, to := max(0, len(s)-len(f)+1), len(s)-best
		for j := from; j < to; j++ {
			k := strings.IndexByte(s[j:to], f[0])
			if k < 0 {
				break
			}
			j += k
			if strings.HasPrefix(f, s[j:]) {
				best = len(s) - j
				break
			}
		}
	}
	return best
}

// urlTail is how many bytes at the end of s could belong to a URL whose
// query has not fully arrived: the last word (since whitespace or a quote)
// if it holds "://" or ends in what could begin "https://".
func urlTail(s string) int {
	w := s[strings.LastIndexAny(s, " \t\r\n\v\f\"'<>")+1:]
	if strings.Contains(w, "://") {
		return len(w)
	}
	for k := min(len(w), len("https://")-1); k > 0; k-- {
		end := strings.ToLower(w[len(w)-k:])
		if strings.HasPrefix("https://", end) || strings.HasPrefix("http://", end) {
			return k
		}
	}
	return 0
}

// longest returns the length of the longest form of a secret.
func (r *Redactor) longest() int {
	if len(r.forms) == 0 {
		return 0
	}
	return len(r.forms[0])
}

// Writer returns a writer that masks secrets in a stream before passing it
// to w. What arrives goes out at once (a progress bar without line breaks
// flows live) except what could still turn out to be part of a secret or
// of a signed URL: the end of the stream that begins a secret, or a URL
// not ended yet. That is held until the next write shows what it is (or
// Flush), and never more than maxHold bytes, so memory stays bounded
// whatever the stream. Flush writes what is held.
func (r *Redactor) Writer(w io.Writer) *Writer { return &Writer{r: r, w: w} }

// Writer is a redacting stream; see Redactor.Writer.
type Writer struct {
	r   *Redactor
	w   io.Writer
	buf []byte
}

// maxHold bounds what is held for a URL not ended yet: past it, only a
// secret-sized tail waits.
const maxHold = 8 << 10

func (rw *Writer) Write(p []byte) (int, error) {
	rw.buf = append(rw.buf, p...)
	held := string(rw.buf)
	rw.r.mu.RLock()
	hold := max(rw.r.tail(held), urlTail(held))
	if hold > maxHold {
		hold = max(rw.r.tail(held), min(urlTail(held), max(rw.r.longest(), 2048)))
	}
	rw.r.mu.RUnlock()
	if hold < len(held) {
		if err := rw.emit(held, len(held)-hold); err != nil {
			return len(p), err
		}
	}
	return len(p), nil
}

// emit scrubs and writes the first n bytes of held, the Writer's buffer.
// When a secret begins before byte n and ends after it, it is held back
// whole: what is held may begin another secret that overlaps it.
func (rw *Writer) emit(held string, n int) error {
	if n < len(held) {
		rw.r.mu.RLock()
		for _, x := range rw.r.spans(held) {
			if x[0] < n && n < x[1] {
				n = x[0]
			}
		}
		rw.r.mu.RUnlock()
	}
	if n == 0 {
		return nil
	}
	scrubbed := rw.r.String(held[:n])
	rw.buf = append(rw.buf[:0], held[n:]...)
	_, err := io.WriteString(rw.w, scrubbed)
	return err
}

// Flush writes what is held back.
func (rw *Writer) Flush() error {
	if len(rw.buf) == 0 {
		return nil
	}
	return rw.emit(string(rw.buf), len(rw.buf))
}
