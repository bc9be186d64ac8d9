package dynoshell

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

// TestShellLikeBash runs command lines through the simulator's shell and
// through the machine's bash: the shapes run's wrapper must survive
// (comments, here-documents, continued lines, newlines) give the same
// output and status in both.
func TestShellLikeBash(t *testing.T) {
	testenv.Uses(t, "bash")
	bash, _ := exec.LookPath("bash")
	const marker = ` ; echo "status: $?"`
	for _, cmd := range []string{
		"( echo hi # a comment\n)" + marker,
		"( echo hi # a comment )" + marker, // the old wrapper: swallowed
		"( false\n)" + marker,
		"( echo a\necho b\n# the end\n)" + marker,
		"( cat <<EOF\nhello $X\nEOF\n)" + marker,
		"( cat <<'EOF'\nhello $X\nEOF\n)" + marker,
		"( cat <<-EOF\n\tindented\n\tEOF\nexit 4\n)" + marker,
		"( cat <<EOF\nhello\nEOF )" + marker, // the old wrapper: no delimiter line
		"( echo a \\\n)" + marker,
		"( echo a\\\nb\n)" + marker,
		"( true &&\nexit 5\n)" + marker,
		"( printf 'a\\rb%s\\n' 1 2; printf '%d%%\\n' 42\n)" + marker,
		"( head -c 5 /dev/zero; echo\n)" + marker,
		"echo hi # ) ; echo no",
		"( head -c 10 /dev/zero | tr '\\0' 'x'; echo\n)" + marker,
		"( cat <<EOF | tr 'ab' 'AB'\nabc\nEOF\n)" + marker,
		"( echo a | false\n)" + marker,
		"( false | echo b\n)" + marker,
	} {
		var want bytes.Buffer
		c := exec.Command(bash, "-c", cmd)
		c.Env = []string{"X=x"}
		c.Stdout = &want
		c.Run()
		var got bytes.Buffer
		sh := &Shell{Env: map[string]string{"X": "x"}, Out: &got, Kill: make(chan struct{})}
		st, err := sh.Run(cmd)
		// bash's syntax errors go to stderr, the simulator's to the
		// output: compare the status lines and what came before.
		if err != nil || firstLines(got.String()) != firstLines(want.String()) || st != c.ProcessState.ExitCode() {
			t.Errorf("%q: simulator %q (status %d, %v), bash %q (status %d)", cmd, got.String(), st, err, want.String(), c.ProcessState.ExitCode())
		}
	}
}

// firstLines drops the simulator's "bash: " error lines.
func firstLines(s string) string {
	var keep []string
	for _, l := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(l, "bash: ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "")
}
