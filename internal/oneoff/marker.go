package oneoff

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The exit status travels in the output, because rendezvous closes the
// stream at the end of the process with no status of its own: the command
// is followed by an echo of $? behind a marker, the technique of the Heroku
// CLI's --exit-code. The marker starts with U+FFFF (never in text) and
// carries a nonce made for this run, so nothing the command prints can
// forge a status.
const markerLead = "\uFFFF heroku-command-exit-status "

func newNonce() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// wrap is the command line the dyno runs: args joined as a shell would
// read them (one argument is taken as a shell command line as it is), in
// a subshell so that an `exit N` of its own still reaches the marker, then
// the marker's echo. A Fir app's command goes through the CNB launcher,
// which loads the app's environment.
func wrap(args []string, fir bool, nonce string) string {
	cmd := join(args)
	if fir {
		cmd = "launcher bash -c " + quote(cmd)
	} else {
		cmd = "( " + cmd + " )"
	}
	// The space before ";" keeps the command's first word whole.
	return cmd + ` ; echo "` + markerLead + nonce + `: $?"`
}

// join makes one shell command line of args: a single argument is already
// one; several are quoted where the shell would split or expand them.
func join(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = quote(a)
	}
	return strings.Join(q, " ")
}

var plainWord = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// quote returns s as one shell word.
func quote(s string) string {
	if plainWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// scanner copies a dyno's output to out, live, and takes the marker line
// out of it. Whole lines are checked for the marker; a partial line is
// written at once up to where a marker could begin.
type scanner struct {
	out    io.Writer
	marker *regexp.Regexp
	buf    []byte
	mid    bool          // part of the current line was written
	status int           // -1 until the marker was read
	done   chan struct{} // closed once it was
}

func newScanner(out io.Writer, nonce string) *scanner {
	return &scanner{
		out:    out,
		marker: regexp.MustCompile(regexp.QuoteMeta(markerLead+nonce+": ") + `(\d{1,3})\s*$`),
		status: -1,
		done:   make(chan struct{}),
	}
}

// Write takes output as it arrives, in chunks of any size.
func (s *scanner) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			break
		}
		line := s.buf[:i]
		s.buf = s.buf[i+1:]
		if err := s.line(line, true); err != nil {
			return len(p), err
		}
	}
	// Write out the partial line, but from where a marker (U+FFFF, or a
	// rune cut short by the chunk: RuneError) or a CRLF's CR could start,
	// keep it for later.
	cut := bytes.IndexFunc(s.buf, func(r rune) bool { return r == '\r' || r == '\uFFFF' || r == utf8.RuneError })
	if cut < 0 {
		cut = len(s.buf)
	}
	if cut > 0 {
		if _, err := s.out.Write(s.buf[:cut]); err != nil {
			return len(p), err
		}
		s.buf = append(s.buf[:0], s.buf[cut:]...)
		s.mid = true
	}
	return len(p), nil
}

// Close writes what remains of a last line without a line break.
func (s *scanner) Close() error {
	if len(s.buf) == 0 {
		return nil
	}
	err := s.line(s.buf, false)
	s.buf = nil
	return err
}

func (s *scanner) line(line []byte, eol bool) error {
	line = bytes.TrimSuffix(line, []byte("\r"))
	mid := s.mid
	s.mid = false
	if m := s.marker.FindSubmatchIndex(line); m != nil && s.status < 0 {
		s.status, _ = strconv.Atoi(string(line[m[2]:m[3]]))
		close(s.done)
		line = line[:m[0]] // output the command left without a line break
		if len(line) == 0 && !mid {
			return nil
		}
	}
	if eol {
		line = append(line, '\n')
	}
	_, err := s.out.Write(line)
	return err
}

// Status returns the exit status the marker carried. Another goroutine than
// the writer's may call it only after done is closed.
func (s *scanner) Status() (int, bool) { return s.status, s.status >= 0 }
