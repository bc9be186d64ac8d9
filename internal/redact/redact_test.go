package redact

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

const key = "HRKU-unit-0f1e2d3c-SECRET-4b5a6978"

func TestString(t *testing.T) {
	var r Redactor
	r.Add(key, "sim-db-password", "1", "on")
	r.AddURL("https://s3.example/bucket/blob?AWSAccessKeyId=AK&Signature=abc123&Expires=9")
	for in, want := range map[string]string{
		"error: " + key + " rejected":     "error: [REDACTED] rejected",
		"postgres://u:sim-db-password@db": "postgres://u:[REDACTED]@db",
		"PUT https://s3.example/bucket/blob?AWSAccessKeyId=AK&Signature=abc123&Expires=9 failed": "PUT https://s3.example/bucket/blob?[REDACTED] failed",
		"query alone: AWSAccessKeyId=AK&Signature=abc123&Expires=9":                              "query alone: [REDACTED]",
		// Never registered, but signed: the query goes.
		"GET https://build-output.heroku.com/streams/x?X-Amz-Signature=f00&X-Amz-Date=1: EOF": "GET https://build-output.heroku.com/streams/x?[REDACTED]: EOF",
		// Short values are not treated as secrets.
		"1 build is on": "1 build is on",
		// A URL without a credential in its query stays.
		"see https://devcenter.heroku.com/articles/x?utm=1": "see https://devcenter.heroku.com/articles/x?utm=1",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMultiLineSecretLineByLine(t *testing.T) {
	var r Redactor
	pem := "-----BEGIN KEY-----\nMIIEvgIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----"
	r.Add(pem)
	if got := r.String("printed: MIIEvgIBADANBgkqhkiG9w0BAQEFAASC\n"); strings.Contains(got, "MIIE") {
		t.Errorf("a line of a multi-line secret got through: %q", got)
	}
}

// TestWriterSplitsAnywhere writes a log that carries secrets in every way
// a stream can split it, one byte at a time and in odd chunks: no secret
// may come out, and everything else must, in order.
func TestWriterSplitsAnywhere(t *testing.T) {
	var r Redactor
	r.Add(key)
	log := "-----> Building\n       token " + key + " in a line\n" + strings.Repeat("x", 9000) + key + strings.Repeat("y", 100) +
		// A long line whose key sits where the held-back cut falls
		// (maxHold+1 - 2048 bytes in): it must be masked whole.
		"\n" + strings.Repeat("z", maxHold-2048-10) + key + strings.Repeat("z", 3000) +
		"\nlast line without newline " + key
	want := strings.ReplaceAll(log, key, mask)
	for _, size := range []int{1, 3, 7, 64, 4096, len(log)} {
		var out bytes.Buffer
		w := r.Writer(&out)
		for i := 0; i < len(log); i += size {
			w.Write([]byte(log[i:min(i+size, len(log))]))
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("chunks of %d: got %q…, want %q…", size, head(out.String()), head(want))
		}
	}
}

// TestWriterPassesPartialLinesAtOnce: what arrives goes out at once, a
// partial line too (a progress bar), except an end that could begin a
// secret or a URL whose query has not arrived.
func TestWriterPassesPartialLinesAtOnce(t *testing.T) {
	var r Redactor
	r.Add(key)
	var out bytes.Buffer
	w := r.Writer(&out)
	w.Write([]byte("line one\nline t"))
	if out.String() != "line one\nline t" {
		t.Errorf("after a line and a half: %q", out.String())
	}
	w.Write([]byte("\r 45% [=====>    ]"))
	if !strings.HasSuffix(out.String(), "\r 45% [=====>    ]") {
		t.Errorf("a progress bar is held back: %q", out.String())
	}
	// The beginning of the key waits for the rest.
	out.Reset()
	w.Write([]byte("token: " + key[:10]))
	if out.String() != "token: " {
		t.Errorf("the beginning of a secret: %q out, want only what precedes it", out.String())
	}
	w.Write([]byte(key[10:] + " ok"))
	if out.String() != "token: [REDACTED] ok" {
		t.Errorf("a secret split across writes: %q", out.String())
	}
	// So does a URL whose query may carry a signature.
	out.Reset()
	w.Write([]byte("GET https://s3.example/b?X-Amz-Signature=ab"))
	if out.String() != "GET " {
		t.Errorf("a URL not ended: %q out", out.String())
	}
	w.Write([]byte("cd failed\n"))
	if out.String() != "GET https://s3.example/b?[REDACTED] failed\n" {
		t.Errorf("a URL split across writes: %q", out.String())
	}
	// Something that only looks like the beginning of the key goes out
	// once the next write shows it is not.
	out.Reset()
	w.Write([]byte("HRKU"))
	w.Write([]byte("-other"))
	w.Flush()
	if out.String() != "HRKU-other" {
		t.Errorf("a false start: %q", out.String())
	}
}

// TestWriterMemoryBounded: a stream without a line break or a space (a
// binary) is not held whole.
func TestWriterMemoryBounded(t *testing.T) {
	var r Redactor
	r.Add(key)
	var out countWriter
	w := r.Writer(&out)
	chunk := bytes.Repeat([]byte("\x00\xff\x10abc"), 32<<10/6)
	for range 1000 {
		w.Write(chunk)
		if len(w.buf) > maxHold {
			t.Fatalf("the writer holds %d bytes", len(w.buf))
		}
	}
	w.Flush()
	if out.n != 1000*len(chunk) {
		t.Errorf("%d bytes out, want %d", out.n, 1000*len(chunk))
	}
}

type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

func TestWriterReportsErrors(t *testing.T) {
	var r Redactor
	w := r.Writer(errWriter{})
	if _, err := w.Write([]byte("a line\n")); err == nil {
		t.Error("a failing writer's error was lost")
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, bytes.ErrTooLarge }

func head(s string) string { return s[:min(len(s), 60)] }

// TestEveryEncoding: a value is masked in each form a server may echo it
// in, inside a body that quotes it.
func TestEveryEncoding(t *testing.T) {
	const v = "p@ss\"w\\rd<&>é😀/x 'q\tz"
	var r Redactor
	r.Add(v)
	for name, enc := range map[string]string{
		"raw":                      v,
		"json.Marshal (HTML)":      `p@ss\"w\\rd\u003c\u0026\u003eé😀/x 'q\tz`,
		"JSON without HTML":        `p@ss\"w\\rd<&>é😀/x 'q\tz`,
		"ASCII JSON":               `p@ss\"w\\rd<&>\u00e9\ud83d\ude00/x 'q\tz`,
		"ASCII JSON, upper hex":    `p@ss\"w\\rd<&>\u00E9\uD83D\uDE00/x 'q\tz`,
		"ASCII JSON, HTML":         `p@ss\"w\\rd\u003c\u0026\u003e\u00e9\ud83d\ude00/x 'q\tz`,
		"fully \\u-escaped":        `p@ss\u0022w\u005crd\u003c\u0026\u003e\u00e9\ud83d\ude00\u002fx \u0027q\u0009z`,
		"fully \\u-escaped, upper": `p@ss\u0022w\u005Crd\u003C\u0026\u003E\u00E9\uD83D\uDE00\u002Fx \u0027q\u0009z`,
		"QueryEscape":              "p%40ss%22w%5Crd%3C%26%3E%C3%A9%F0%9F%98%80%2Fx+%27q%09z",
		"QueryEscape, lower hex":   "p%40ss%22w%5crd%3c%26%3e%c3%a9%f0%9f%98%80%2fx+%27q%09z",
		"PathEscape":               "p@ss%22w%5Crd%3C&%3E%C3%A9%F0%9F%98%80%2Fx%20%27q%09z",
		"PathEscape, lower hex":    "p@ss%22w%5crd%3c&%3e%c3%a9%f0%9f%98%80%2fx%20%27q%09z",
	} {
		in := `{"id":"invalid_params","message":"value ` + enc + ` is not valid"}`
		want := `{"id":"invalid_params","message":"value [REDACTED] is not valid"}`
		if got := r.String(in); got != want {
			t.Errorf("%s: String(%q) = %q", name, in, got)
		}
		// And in a stream, cut anywhere.
		for cut := 1; cut < len(in); cut += 7 {
			var out bytes.Buffer
			w := r.Writer(&out)
			w.Write([]byte(in[:cut]))
			w.Write([]byte(in[cut:]))
			w.Flush()
			if out.String() != want {
				t.Errorf("%s, cut at %d: %q", name, cut, out.String())
				break
			}
		}
	}
	// Go's own encoders agree with the forms written out above.
	b, _ := json.Marshal(v)
	if got := r.String(string(b)); got != `"[REDACTED]"` {
		t.Errorf("json.Marshal's form: %q", got)
	}
	if got := r.String(url.QueryEscape(v) + " " + url.PathEscape(v)); got != "[REDACTED] [REDACTED]" {
		t.Errorf("net/url's forms: %q", got)
	}
	// A multi-line value echoed in JSON is one line with \n in it.
	pem := "-----BEGIN KEY-----\nMIIEvgIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----"
	r.Add(pem)
	b, _ = json.Marshal(map[string]string{"PEM": pem})
	if got := r.String(string(b)); got != `{"PEM":"[REDACTED]"}` {
		t.Errorf("a multi-line value in JSON: %q", got)
	}
}

// TestShortValues: a value under MinLen characters is not masked (it
// would mangle the log: "true", "1", "eu"), and Short says so for the
// caller's warning; characters, not bytes, count.
func TestShortValues(t *testing.T) {
	var r Redactor
	r.Add("true", "1", "éééé", "abcde")
	for in, want := range map[string]string{
		"true 1 éééé": "true 1 éééé",
		"abcde":       "[REDACTED]",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	for v, short := range map[string]bool{"": true, "true": true, "éééé": true, "abcde": false, "ééééé": false} {
		if Short(v) != short {
			t.Errorf("Short(%q) = %v, want %v", v, !short, short)
		}
	}
}

// TestOverlappingSecrets: secrets that overlap are masked as one, and
// neither leaves a piece behind.
func TestOverlappingSecrets(t *testing.T) {
	var r Redactor
	r.Add("ABCDEFGH", "FGHIJKLM")
	if got := r.String("xABCDEFGHIJKLMx"); got != "x[REDACTED]x" {
		t.Errorf("overlapping: %q", got)
	}
	var out bytes.Buffer
	w := r.Writer(&out)
	w.Write([]byte("xABCDEFGH"))
	w.Write([]byte("IJKLMx"))
	w.Flush()
	if out.String() != "x[REDACTED]x" {
		t.Errorf("overlapping, split: %q", out.String())
	}
}
