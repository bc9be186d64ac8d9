package oneoff

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"regexp"
	"strings"
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
// the marker's echo. The ")" goes on a line of its own: on the command's
// last line it would be swallowed by a `# comment`, or by a here-document
// whose delimiter must stand alone on its line; a trailing backslash joins
// that line to ")", which still closes the subshell. (A quote left open
// swallows the rest, marker included: the shell's syntax error shows and
// no status comes, exit 126.) A Fir app's command goes through the CNB
// launcher, which loads the app's environment; the command is one quoted
// argument of bash -c there, whole whatever its shape.
func wrap(args []string, fir bool, nonce string) string {
	cmd := join(args)
	if fir {
		cmd = "launcher bash -c " + quote(cmd)
	} else {
		cmd = "( " + cmd + "\n)"
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

// scanner copies a dyno's output to out as it arrives, and takes the
// marker out of it. Output flows at once, partial lines (a \r progress
// bar) and binary included; only what could be the beginning of the
// marker (from a U+FFFF on) waits for the bytes that tell, and a CR for
// the byte after it (a CRLF is written as LF). So it holds a marker's
// length at most, whatever the output.
//
// The marker counts only where the echo puts it: the lead, this run's
// nonce, ": ", one to three digits, then nothing but blanks to the end of
// the line (or of the output). Text may precede it on its line (the
// command's last output had no line break): that text is written and its
// line ended. Only the first marker counts.
type scanner struct {
	out    io.Writer
	marker []byte // markerLead + nonce + ": "
	buf    []byte // held: a possible marker, or a CR
	mid    bool   // the last byte written did not end a line
	status int    // -1 until the marker was read
	done   chan struct{}
}

func newScanner(out io.Writer, nonce string) *scanner {
	return &scanner{
		out:    out,
		marker: []byte(markerLead + nonce + ": "),
		status: -1,
		done:   make(chan struct{}),
	}
}

// maxBlanks bounds the blanks after the status that the marker may have
// (the echo writes none; a terminal may add a CR).
const maxBlanks = 16

// lead is the first byte of U+FFFF in UTF-8, where a marker can start.
const lead = 0xEF

// Write takes output as it arrives, in chunks of any size.
func (s *scanner) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	return len(p), s.scan(false)
}

// Close writes what is held: the output ended.
func (s *scanner) Close() error {
	err := s.scan(true)
	s.buf = nil
	return err
}

// scan writes what it can of buf; at the end (eof), everything.
func (s *scanner) scan(eof bool) error {
	b := s.buf
	from := 0 // where the search for a marker goes on
	for {
		i := bytes.IndexByte(b[from:], lead)
		if i < 0 || s.status >= 0 {
			break
		}
		i += from
		n, st, ok := s.match(b[i:], eof)
		switch {
		case ok:
			if err := s.emit(b[:i]); err != nil {
				return err
			}
			if s.mid { // end the line the command left open
				if _, err := s.out.Write([]byte("\n")); err != nil {
					return err
				}
				s.mid = false
			}
			s.status = st
			close(s.done)
			b, from = b[i+n:], 0
		case n < 0: // not a marker: on from the next byte
			from = i + 1
		default: // could still be one: hold it
			err := s.emit(b[:i])
			s.buf = append(s.buf[:0], b[i:]...)
			return err
		}
	}
	// Hold a final CR, whose LF may come next, unless the output ended.
	cut := len(b)
	if !eof && cut > 0 && b[cut-1] == '\r' {
		cut--
	}
	err := s.emit(b[:cut])
	s.buf = append(s.buf[:0], b[cut:]...)
	return err
}

// match reads a marker at the start of b: its length with the line break
// and the status (ok), -1 when b does not start with one, or 0 when b
// ends before it can tell.
func (s *scanner) match(b []byte, eof bool) (n, status int, ok bool) {
	if len(b) < len(s.marker) {
		if !eof && bytes.HasPrefix(s.marker, b) {
			return 0, 0, false
		}
		return -1, 0, false
	}
	if !bytes.HasPrefix(b, s.marker) {
		return -1, 0, false
	}
	j := len(s.marker)
	for j < len(b) && j-len(s.marker) < 4 && '0' <= b[j] && b[j] <= '9' {
		status = status*10 + int(b[j]-'0')
		j++
	}
	digits := j - len(s.marker)
	switch {
	case digits > 3:
		return -1, 0, false
	case j == len(b) && !eof:
		return 0, 0, false
	case digits == 0:
		return -1, 0, false
	}
	k := j
	for k < len(b) && k-j <= maxBlanks && (b[k] == ' ' || b[k] == '\t' || b[k] == '\r') {
		k++
	}
	switch {
	case k-j > maxBlanks:
		return -1, 0, false
	case k == len(b) && eof:
		return k, status, true
	case k == len(b):
		return 0, 0, false
	case b[k] == '\n':
		return k + 1, status, true
	}
	return -1, 0, false
}

// emit writes output, a CRLF as LF.
func (s *scanner) emit(b []byte) error {
	for len(b) > 0 {
		i := bytes.Index(b, []byte("\r\n"))
		part := b
		if i >= 0 {
			part = b[:i]
		}
		if len(part) > 0 {
			if _, err := s.out.Write(part); err != nil {
				return err
			}
			s.mid = part[len(part)-1] != '\n'
		}
		if i < 0 {
			break
		}
		b = b[i+1:] // from the LF
	}
	return nil
}

// Status returns the exit status the marker carried. Another goroutine than
// the writer's may call it only after done is closed.
func (s *scanner) Status() (int, bool) { return s.status, s.status >= 0 }
