package cli

import (
	"context"
	"io"
	"testing"
)

// BenchmarkVersion is the tool's own part of start-up (docs/performance.md,
// "Start-up"): building the parser's model of every command, then
// parsing. Most of it is kong reading and interpolating the struct tags.
func BenchmarkVersion(b *testing.B) {
	env := environment{Getenv: func(string) string { return "" }, Lookup: func(string) (string, bool) { return "", false }, Stdout: io.Discard, Stderr: io.Discard}
	for b.Loop() {
		run(context.Background(), "1.0", []string{"--version"}, env)
	}
}
