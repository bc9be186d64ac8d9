package herokuapi

import (
	"fmt"
	"testing"
)

func TestScopeFix(t *testing.T) {
	const (
		read      = "global read read-protected write write-protected"
		write     = "global write write-protected"
		readProt  = "global read-protected write-protected"
		writeProt = "global write-protected"
	)
	for _, c := range []struct{ have, accepted, want, add, scopes string }{
		{"write", readProt, "", "read-protected", "write,read-protected"},
		{"write", writeProt, "", "write-protected", "write-protected"},
		{"read", write, "", "write", "write"},
		{"read", readProt, "", "read-protected", "read-protected"},
		{"read-protected", write, "", "write", "read-protected,write"},
		{"identity", read, "", "read", "read"},
		{"identity", writeProt, "", "write-protected", "write-protected"},
		{"write, read-protected", writeProt, "", "write-protected", "write-protected"},
		{"write", "global", "", "global", "global"},
		{"write", "something-new", "", "", ""},
		{"", write, "", "write", "write"},
		// What the command needs, when the call accepts it.
		{"write", readProt, "write-protected", "write-protected", "write-protected"},
		{"read", write, "write,read-protected", "write,read-protected", "write,read-protected"},
		{"write", readProt, "write", "read-protected", "write,read-protected"}, // not accepted: the call's narrowest
	} {
		add, scopes := ScopeFix(c.have, c.accepted, c.want)
		if add != c.add || scopes != c.scopes {
			t.Errorf("ScopeFix(%q, %q, %q) = %q, %q; want %q, %q", c.have, c.accepted, c.want, add, scopes, c.add, c.scopes)
		}
	}
}

func TestScopeRefused(t *testing.T) {
	e := func(status int, have, accepted string) error {
		return fmt.Errorf("wrapped: %w", &Error{Method: "GET", Path: "/apps/a/releases", Status: status, ID: "forbidden", Scope: have, Accepted: accepted})
	}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{e(403, "write", "global read-protected write-protected"), true},
		{e(403, "write read-protected", "global read-protected write-protected"), false}, // another cause
		{e(403, "write,read-protected", "global read-protected write-protected"), false},
		{e(403, "global", "global write write-protected"), false},
		{e(403, "write", ""), false}, // no header: unknown cause
		{e(403, "", "global write"), false},
		{e(401, "write", "global write-protected"), false},
		{&Error{Status: 403, Scope: "write", Accepted: "global", Unknown: true}, false},
	} {
		if got := ScopeRefused(c.err) != nil; got != c.want {
			t.Errorf("ScopeRefused(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
