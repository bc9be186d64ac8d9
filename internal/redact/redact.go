// Package redact is the one place that scrubs secrets from what
// heroku-deploy prints: every line on stdout and stderr passes through a
// Redactor, whatever produced it (our errors, Heroku's messages and
// warnings, build and release logs, verbose traces). It knows the API key,
// the signed URLs the session has seen and config values, and it drops the
// query string of any URL that carries a signature.
package redact

import (
	"bytes"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// mask replaces a secret.
const mask = "[REDACTED]"

// minLen is the shortest value treated as a secret: replacing a value such
// as "1" or "true" everywhere would mangle the log and protect nothing.
const minLen = 5

// Redactor holds the session's secrets. Its zero value is ready to use.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string // longest first, so a secret inside another is masked whole
}

// Add registers secrets, such as the API key or a config value.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all []string
	for _, s := range secrets {
		all = append(all, s)
		// Logs are scrubbed line by line: each line of a multi-line value
		// (a PEM key) is a secret of its own.
		if strings.ContainsAny(s, "\r\n") {
			all = append(all, strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })...)
		}
	}
	for _, s := range all {
		if len(s) < minLen {
			continue
		}
		for _, have := range r.secrets {
			if have == s {
				s = ""
				break
			}
		}
		if s != "" {
			r.secrets = append(r.secrets, s)
		}
	}
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
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
// punctuation that ends a sentence.
var signedQuery = regexp.MustCompile(`(?i)(https?://[^\s"'<>?]+)\?[^\s"'<>]*(signature|x-amz-|awsaccesskeyid|token|key|secret|sig=)[^\s"'<>]*[^\s"'<>:,.;)]`)

// String returns s with every secret masked.
func (r *Redactor) String(s string) string {
	s = signedQuery.ReplaceAllString(s, "$1?"+mask)
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, mask)
	}
	return s
}

// longest returns the length of the longest secret.
func (r *Redactor) longest() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.secrets) == 0 {
		return 0
	}
	return len(r.secrets[0])
}

// Writer returns a writer that masks secrets in a stream before passing it
// to w. Complete lines go through at once; a partial line is held back
// only as long as it could still end in a secret, so a log that stalls
// mid-line still shows all but its last few bytes. Flush writes what is
// held.
func (r *Redactor) Writer(w io.Writer) *Writer { return &Writer{r: r, w: w} }

// Writer is a redacting stream; see Redactor.Writer.
type Writer struct {
	r   *Redactor
	w   io.Writer
	buf []byte
}

// maxHold bounds a line held whole: past it, only a secret-sized tail waits.
const maxHold = 8 << 10

func (rw *Writer) Write(p []byte) (int, error) {
	rw.buf = append(rw.buf, p...)
	// Complete lines are safe to scrub: no secret spans a line break, and
	// a signed URL ends at whitespace.
	if i := bytes.LastIndexByte(rw.buf, '\n'); i >= 0 {
		if err := rw.emit(i + 1); err != nil {
			return len(p), err
		}
	}
	if len(rw.buf) > maxHold {
		// Keep back enough for a secret that has begun but not ended, and
		// for a URL whose query has not arrived.
		keep := max(rw.r.longest(), 2048)
		if cut := len(rw.buf) - keep; cut > 0 {
			if err := rw.emit(cut); err != nil {
				return len(p), err
			}
		}
	}
	return len(p), nil
}

// emit scrubs and writes the first n held bytes. When a secret straddles
// byte n, it is scrubbed whole and the cut moves past it.
func (rw *Writer) emit(n int) error {
	held := string(rw.buf)
	scrubbed := rw.r.String(held[:n])
	// Did a secret start before n and continue past it? Then take it all.
	if rest := held[n:]; rest != "" {
		whole := rw.r.String(held)
		if !strings.HasPrefix(whole, scrubbed) {
			scrubbed, n = whole, len(held)
		}
	}
	rw.buf = append(rw.buf[:0], held[n:]...)
	_, err := io.WriteString(rw.w, scrubbed)
	return err
}

// Flush writes what is held back.
func (rw *Writer) Flush() error {
	if len(rw.buf) == 0 {
		return nil
	}
	return rw.emit(len(rw.buf))
}
