package redact

import (
	"bytes"
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

// TestWriterPassesLinesAtOnce: a complete line is not held back, and a
// long partial line is held back only by a secret's length.
func TestWriterPassesLinesAtOnce(t *testing.T) {
	var r Redactor
	r.Add(key)
	var out bytes.Buffer
	w := r.Writer(&out)
	w.Write([]byte("line one\nline t"))
	if out.String() != "line one\n" {
		t.Errorf("after a line and a half: %q", out.String())
	}
	w.Write(bytes.Repeat([]byte("."), 20000))
	if n := out.Len(); n < 20000-2048 {
		t.Errorf("a long partial line is held back: %d bytes out", n)
	}
}

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
