package oneoff

import (
	"bytes"
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	const n = "0123456789abcdef"
	marker := ` ; echo "` + "\uFFFF" + ` heroku-command-exit-status 0123456789abcdef: $?"`
	for _, tc := range []struct {
		args []string
		fir  bool
		want string
	}{
		{[]string{"rake db:migrate && echo ok"}, false, "( rake db:migrate && echo ok )" + marker},
		{[]string{"rake", "db:seed", "NAME=a b", "it's"}, false, `( rake db:seed 'NAME=a b' 'it'\''s' )` + marker},
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
