package redact

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// benchSecrets is what a deploy with config vars registers: the key, a few
// config values (one with characters every encoding changes, one multi-line),
// and the signed URLs of an upload and a build stream.
func benchRedactor() *Redactor {
	var r Redactor
	r.Add("HRKU-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
	r.Add("postgres://app_user:s3cr3t-p@ss/word@db.internal:5432/app?sslmode=require")
	r.Add("sk_live_51HxYzAbCdEfGhIjKlMnOpQrStUvWxYz0123456789")
	r.Add(`{"client_secret":"<x&y>","redirect":"https://cb.example/é"}`)
	r.Add("-----BEGIN PRIVATE KEY-----\nMIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC7\n-----END PRIVATE KEY-----")
	r.AddURL("https://s3.amazonaws.com/heroku-sources/abc?X-Amz-Algorithm=AWS4&X-Amz-Signature=0123456789abcdef")
	r.AddURL("https://build-output.heroku.com/streams/01/01234567?X-Amz-Signature=fedcba9876543210")
	return &r
}

// benchLog is a build log: mostly plain lines, a few carrying a secret.
func benchLog() string {
	var b strings.Builder
	for i := range 2000 {
		switch i % 100 {
		case 7:
			fmt.Fprintf(&b, "remote: connecting to postgres://app_user:s3cr3t-p@ss/word@db.internal:5432/app?sslmode=require\n")
		case 51:
			fmt.Fprintf(&b, `{"id":"invalid_params","message":"value {\"client_secret\":\"\u003cx\u0026y\u003e\",\"redirect\":\"https://cb.example/é\"} rejected"}`+"\n")
		default:
			fmt.Fprintf(&b, "       npm WARN deprecated package-%d@1.%d.0: this version is no longer supported, upgrade to 2.x\n", i, i%17)
		}
	}
	return b.String()
}

// BenchmarkString is the cost per line of the log: every line printed
// passes through it.
func BenchmarkString(b *testing.B) {
	r := benchRedactor()
	lines := strings.SplitAfter(benchLog(), "\n")
	b.ResetTimer()
	i := 0
	for b.Loop() {
		r.String(lines[i%len(lines)])
		i++
	}
}

// BenchmarkWriter streams the log through a Writer in 4 KiB chunks, as a
// build log arrives.
func BenchmarkWriter(b *testing.B) {
	r := benchRedactor()
	log := []byte(benchLog())
	b.SetBytes(int64(len(log)))
	for b.Loop() {
		w := r.Writer(io.Discard)
		for i := 0; i < len(log); i += 4096 {
			w.Write(log[i:min(i+4096, len(log))])
		}
		w.Flush()
	}
}
