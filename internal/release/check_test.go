package release

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// TestCheckTarget: rollback's --to, before any request.
func TestCheckTarget(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		to        *string
		want, msg string
	}{
		{nil, "", ""},
		{s("v41"), "v41", ""},
		{s("41"), "41", ""},
		{s("01234567-89ab-cdef-0123-456789abcdef"), "01234567-89ab-cdef-0123-456789abcdef", ""},
		{s(""), "", "--to is empty: nothing was changed"},
		{s("v0"), "", `--to "v0" is neither a release version (v41) nor a release id`},
		{s("latest"), "", `--to "latest" is neither a release version (v41) nor a release id`},
		{s("01234567-89AB-CDEF-0123-456789ABCDEF"), "", `--to "01234567-89AB-CDEF-0123-456789ABCDEF" is neither`},
	} {
		got, err := CheckTarget(tc.to)
		var oe *outcome.Error
		switch {
		case tc.msg == "" && (err != nil || got != tc.want):
			t.Errorf("CheckTarget(%v) = %q, %v; want %q", tc.to, got, err, tc.want)
		case tc.msg != "" && (!errors.As(err, &oe) || oe.Kind != outcome.BadInput || !strings.HasPrefix(err.Error(), tc.msg)):
			t.Errorf("CheckTarget(%q) = %v; want input refused %q", *tc.to, err, tc.msg)
		}
	}
}

// TestCheckDotenv: none given is no check; a path that cannot take the
// report is input refused, named.
func TestCheckDotenv(t *testing.T) {
	dir := t.TempDir()
	if err := CheckDotenv(""); err != nil {
		t.Error(err)
	}
	if err := CheckDotenv(filepath.Join(dir, "r.env")); err != nil {
		t.Error(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := CheckDotenv(filepath.Join(dir, "d"))
	var oe *outcome.Error
	if want := "--dotenv " + filepath.Join(dir, "d") + " is not a regular file"; !errors.As(err, &oe) || oe.Kind != outcome.BadInput || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}
