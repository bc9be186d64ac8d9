package oneoff

import (
	"bytes"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

func TestWrap(t *testing.T) {
	const n = "0123456789abcdef"
	marker := ` ; echo "` + "\uFFFF" + ` heroku-command-exit-status 0123456789abcdef: $?"`
	for _, tc := range []struct {
		args []string
		fir  bool
		want string
	}{
		{[]string{"rake db:migrate && echo ok"}, false, "( rake db:migrate && echo ok\n)" + marker},
		{[]string{"rake", "db:seed", "NAME=a b", "it's"}, false, `( rake db:seed 'NAME=a b' 'it'\''s'` + "\n)" + marker},
		{[]string{"exit 3"}, true, "launcher bash -c 'exit 3'" + marker},
		{[]string{"python", "-c", `print("$HOME")`}, true, `launcher bash -c 'python -c '\''print("$HOME")'\'''` + marker},
	} {
		if got := wrap(tc.args, tc.fir, n); got != tc.want {
			t.Errorf("Wrap(%q, fir=%v)\n got %s\nwant %s", tc.args, tc.fir, got, tc.want)
		}
	}
	if a, b := newNonce(), newNonce(); a == b || len(a) != 16 {
		t.Errorf("nonces %q and %q: want 16 hex digits, different each run", a, b)
	}
}

func TestScanner(t *testing.T) {
	const nonce = "00112233aabbccdd"
	mark := func(st string) string { return markerLead + nonce + ": " + st }
	for _, tc := range []struct {
		name, in, out string
		status        int
	}{
		{"status 0", "a\nb\n" + mark("0") + "\n", "a\nb\n", 0},
		{"status 137, no final newline", "x\n" + mark("137"), "x\n", 137},
		{"text before the marker on its line", "no newline" + mark("3") + "\n", "no newline\n", 3},
		{"CRLF line endings", "a\r\nb\r\n" + mark("2") + "\r\n", "a\nb\n", 2},
		{"output after the marker is kept", mark("0") + "\nlate\n", "late\n", 0},
		{"no marker: no status", "a\nb", "a\nb", -1},
		{"another nonce is output", markerLead + "ffffffffffffffff: 0\n", markerLead + "ffffffffffffffff: 0\n", -1},
		{"the CLI's marker is output", "\uFFFF heroku-command-exit-status: 0\n", "\uFFFF heroku-command-exit-status: 0\n", -1},
		{"the marker quoted mid-line is output", "say " + mark("0") + " twice\n", "say " + mark("0") + " twice\n", -1},
		{"other U+F000-U+FFFF text is output", "ｆｕｌｌ\n", "ｆｕｌｌ\n", -1},
	} {
		// Whole, and one byte at a time: chunking must not matter.
		for _, chunk := range []int{len(tc.in) + 1, 1} {
			var out bytes.Buffer
			sc := newScanner(&out, nonce)
			for i := 0; i < len(tc.in); i += chunk {
				sc.Write([]byte(tc.in[i:min(i+chunk, len(tc.in))]))
			}
			sc.Close()
			st, ok := sc.Status()
			if out.String() != tc.out || st != tc.status || ok != (tc.status >= 0) {
				t.Errorf("%s (chunks of %d): output %q status %d; want %q %d", tc.name, chunk, out.String(), st, tc.out, tc.status)
			}
		}
	}
}

// TestScannerIsLive: a partial line is written before its line ends, up to
// where a marker could start.
func TestScannerIsLive(t *testing.T) {
	var out bytes.Buffer
	sc := newScanner(&out, "00112233aabbccdd")
	sc.Write([]byte("progress..."))
	if out.String() != "progress..." {
		t.Errorf("partial line held back: %q", out.String())
	}
	sc.Write([]byte("done\xef\xbf"))
	if !strings.HasSuffix(out.String(), "done") {
		t.Errorf("output %q: want everything before the possible marker", out.String())
	}
}

func TestLogLine(t *testing.T) {
	for line, want := range map[string][3]string{
		"2026-01-02T03:04:05.000000+00:00 app[run.1]: hello world":                          {"app", "run.1", "hello world"},
		"2026-01-02T03:04:05.000000+00:00 heroku[run.1]: State changed from up to complete": {"heroku", "run.1", "State changed from up to complete"},
		"2026-01-02T03:04:05+00:00 app[run.2]: ":                                            {"app", "run.2", ""},
	} {
		m := logLine.FindStringSubmatch(line)
		if m == nil || [3]string{m[1], m[2], m[3]} != want {
			t.Errorf("%q: got %q, want %q", line, m, want)
		}
	}
}

// TestWrapRealShells runs the wrapped command line with the machine's own
// sh and bash, as a dyno runs it, and reads the status back: command lines
// that end in a comment or a here-document must report their own status,
// not break the wrapper (the ")" swallowed: no status, exit 126).
func TestWrapRealShells(t *testing.T) {
	testenv.Uses(t, "sh", "bash")
	const nonce = "0123456789abcdef"
	for _, tc := range []struct {
		name, cmd, out string
		status         int // -1: no status comes
		// On Fir the command is one argument of bash -c, whole: where
		// that differs.
		firOut    *string
		firStatus int
	}{
		{"plain", "echo hi", "hi\n", 0, nil, 0},
		{"exit", "echo hi; exit 3", "hi\n", 3, nil, 0},
		{"comment", "echo hi # say hi", "hi\n", 0, nil, 0},
		{"comment after a failure", "false # expected", "", 1, nil, 0},
		{"comment line last", "echo a\n# the end", "a\n", 0, nil, 0},
		{"here-document", "cat <<EOF\nhello\nEOF", "hello\n", 0, nil, 0},
		{"here-document, quoted delimiter, then exit", "cat <<'END'\n$HOME\nEND\nexit 4", "$HOME\n", 4, nil, 0},
		{"here-document with tabs", "cat <<-EOF\n\tindented\n\tEOF", "indented\n", 0, nil, 0},
		{"here-document into a failing command", "grep -q nothing <<EOF\nsomething\nEOF", "", 1, nil, 0},
		{"trailing backslash", "echo a \\", "a\n", 0, ptr("a \\\n"), 0},
		{"trailing semicolon", "echo a;", "a\n", 0, nil, 0},
		{"trailing newline", "echo a\n", "a\n", 0, nil, 0},
		{"background job", "true &", "", 0, nil, 0},
		{"no final newline", "printf abc; exit 7", "abc\n", 7, nil, 0},
		// A quote left open swallows the marker: the shell's syntax error,
		// and no status (run's exit 126); on Fir, bash's status 2.
		{"unclosed quote", `echo "hi`, "", -1, ptr(""), 2},
	} {
		for _, sh := range []string{"sh", "bash"} {
			path, _ := exec.LookPath(sh)
			for _, fir := range []bool{false, true} {
				line := wrap([]string{tc.cmd}, fir, nonce)
				if fir { // the CNB launcher runs its arguments
					line = `launcher() { "$@"; }; ` + line
				}
				var out, errOut bytes.Buffer
				sc := newScanner(&out, nonce)
				c := exec.Command(path, "-c", line)
				c.Stdout, c.Stderr = sc, &errOut
				c.Run()
				sc.Close()
				st, ok := sc.Status()
				if !ok {
					st = -1
				}
				want, wantOut := tc.status, tc.out
				if fir && tc.firOut != nil {
					want, wantOut = tc.firStatus, *tc.firOut
				}
				if st != want || (want >= 0 && out.String() != wantOut) {
					t.Errorf("%s with %s (fir %v): status %d, output %q (stderr %q); want %d, %q\n%s",
						tc.name, sh, fir, st, out.String(), errOut.String(), want, wantOut, line)
				}
			}
		}
	}
}

// TestScannerForgery: only this run's marker, where the echo puts it,
// gives a status, however the output is cut into reads.
func TestScannerForgery(t *testing.T) {
	const nonce = "00112233aabbccdd"
	mark := markerLead + nonce + ": "
	for _, in := range []string{
		markerLead + "00112233aabbccde: 0\n",         // another nonce
		mark + "1234\n",                              // four digits
		mark + "0 but more\n",                        // text after
		mark + "\n",                                  // no digits
		mark + "0" + strings.Repeat(" ", 40) + "\n",  // blanks past any echo's
		"\xef\xbf\xbf\xef\xbf" + "\xef" + mark[1:10], // a lead, cut, then another
		strings.Repeat("\xef", 100),                  // binary
	} {
		for _, chunk := range []int{1, 2, 5, len(in)} {
			var out bytes.Buffer
			sc := newScanner(&out, nonce)
			for i := 0; i < len(in); i += chunk {
				sc.Write([]byte(in[i:min(i+chunk, len(in))]))
			}
			sc.Close()
			if _, ok := sc.Status(); ok || out.String() != in {
				t.Errorf("%q in chunks of %d: status %v, output %q; want no status, all output", in, chunk, ok, out.String())
			}
		}
	}
}

// TestScannerSplitMarker: the marker found whatever the cuts between
// reads, after partial output (a progress bar) and binary.
func TestScannerSplitMarker(t *testing.T) {
	const nonce = "00112233aabbccdd"
	body := "50%\r75%\r100%\x00\xef\xbb\xbfbin\xef\xbf"
	in := body + markerLead + nonce + ": 42\r\n" + "late\n"
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		var out bytes.Buffer
		sc := newScanner(&out, nonce)
		for i := 0; i < len(in); {
			n := 1 + r.IntN(12)
			sc.Write([]byte(in[i:min(i+n, len(in))]))
			i += n
		}
		sc.Close()
		if st, ok := sc.Status(); !ok || st != 42 || out.String() != body+"\nlate\n" {
			t.Fatalf("status %d %v, output %q", st, ok, out.String())
		}
	}
}

// TestScannerHoldsLittle: output without a line break (200 MB of a
// progress bar or a binary) is written as it comes; the scanner holds no
// more than a marker's length.
func TestScannerHoldsLittle(t *testing.T) {
	var out countingWriter
	sc := newScanner(&out, "00112233aabbccdd")
	chunk := bytes.Repeat([]byte("\r42% \xef\xbf\x00"), 32<<10/8)
	limit := len(sc.marker) + 4 + maxBlanks + len(chunk)
	for range 1000 {
		sc.Write(chunk)
		if cap(sc.buf) > 2*limit || len(sc.buf) > len(sc.marker) {
			t.Fatalf("holds %d bytes (capacity %d)", len(sc.buf), cap(sc.buf))
		}
		if out.n == 0 {
			t.Fatal("nothing written yet")
		}
	}
	sc.Close()
	if out.n != 1000*len(chunk) {
		t.Errorf("%d bytes out, want %d", out.n, 1000*len(chunk))
	}
}

type countingWriter struct{ n int }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

func ptr(s string) *string { return &s }
