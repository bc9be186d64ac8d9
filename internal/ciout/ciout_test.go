package ciout

import (
	"bytes"
	"testing"
	"time"
)

func TestSections(t *testing.T) {
	var b bytes.Buffer
	o := New(&b, true)
	o.now = func() time.Time { return time.Unix(1700000000, 0) }
	end := o.Section("heroku build/1", "Building")
	o.Write([]byte("no newline"))
	end()
	o.Step("done")
	want := "\x1b[0Ksection_start:1700000000:heroku_build_1\r\x1b[0K==> Building\nno newline\n" +
		"\x1b[0Ksection_end:1700000000:heroku_build_1\r\x1b[0K==> done\n"
	if b.String() != want {
		t.Fatalf("got %q\nwant %q", b.String(), want)
	}
}

func TestPlain(t *testing.T) {
	var b bytes.Buffer
	o := New(&b, false)
	end := o.Section("x", "Building")
	o.Write([]byte("log\n"))
	end()
	o.Line("summary")
	if got, want := b.String(), "==> Building\nlog\nsummary\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestPrefixed: two prefixed writers printing at once never mix within a
// line, and each line carries its prefix, sections and steps included.
func TestPrefixed(t *testing.T) {
	var b bytes.Buffer
	o := New(&b, true)
	a, c := o.Prefixed("[a] "), o.Prefixed("[c] ")
	end := a.Section("x", "Running release phase (v3)")
	a.Write([]byte("half"))
	c.Write([]byte("one\ntw"))
	a.Write([]byte(" line\nlast"))
	end()
	c.Write([]byte("o"))
	c.Flush()
	c.Flush()
	want := "[a] ==> Running release phase (v3)\n[c] one\n[a] half line\n[a] last\n[c] two\n"
	if b.String() != want {
		t.Fatalf("got %q\nwant %q", b.String(), want)
	}
}
