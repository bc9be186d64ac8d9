// Package ciout writes the tool's progress to a CI job log: its own "==>"
// lines, Heroku's build and release output verbatim, and, inside GitLab CI,
// collapsible sections around each log.
package ciout

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"sync"
	"time"
)

// Writer serialises everything written to the job log.
type Writer struct {
	mu     sync.Mutex
	w      io.Writer
	gitlab bool
	now    func() time.Time
	atBOL  bool // the last byte written ended a line
}

// New returns a Writer. gitlab turns on GitLab's section markers.
func New(w io.Writer, gitlab bool) *Writer {
	return &Writer{w: w, gitlab: gitlab, now: time.Now, atBOL: true}
}

// Step prints one line of the tool's own progress.
func (o *Writer) Step(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.endLine()
	fmt.Fprintf(o.w, "==> "+format+"\n", args...)
	o.atBOL = true
}

// Line prints a plain line (summaries, hints).
func (o *Writer) Line(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.endLine()
	fmt.Fprintf(o.w, format+"\n", args...)
	o.atBOL = true
}

// Write passes log bytes through unchanged.
func (o *Writer) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n, err := o.w.Write(p)
	if n > 0 {
		o.atBOL = p[n-1] == '\n'
	}
	return n, err
}

// endLine terminates a log that stopped mid-line, so our next line does not
// run into it.
func (o *Writer) endLine() {
	if !o.atBOL {
		io.WriteString(o.w, "\n")
		o.atBOL = true
	}
}

var sectionName = regexp.MustCompile(`[^a-z0-9_.-]`)

// Section opens a collapsible section (a plain "==>" line outside GitLab)
// and returns the function that closes it.
func (o *Writer) Section(name, header string) (end func()) {
	if !o.gitlab {
		o.Step("%s", header)
		return func() {
			o.mu.Lock()
			o.endLine()
			o.mu.Unlock()
		}
	}
	name = sectionName.ReplaceAllString(name, "_")
	o.mu.Lock()
	o.endLine()
	fmt.Fprintf(o.w, "\x1b[0Ksection_start:%d:%s\r\x1b[0K==> %s\n", o.now().Unix(), name, header)
	o.mu.Unlock()
	return func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.endLine()
		fmt.Fprintf(o.w, "\x1b[0Ksection_end:%d:%s\r\x1b[0K", o.now().Unix(), name)
	}
}

// Prefixed returns a Writer for one of several things that print at once
// (the targets of a promotion): each of its lines goes to o whole, after
// prefix, so lines of two of them never mix. Its sections are plain "==>"
// lines. Flush writes a last line that has no end yet.
func (o *Writer) Prefixed(prefix string) *Writer {
	return &Writer{w: &prefixer{to: o, prefix: prefix}, now: o.now, atBOL: true}
}

// Flush ends a line that a Prefixed writer still holds.
func (o *Writer) Flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if p, ok := o.w.(*prefixer); ok {
		p.flush()
	}
}

// prefixer holds a partial line until its end, then writes it whole.
type prefixer struct {
	to      *Writer
	prefix  string
	partial []byte
}

func (p *prefixer) Write(b []byte) (int, error) {
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := append([]byte(p.prefix), p.partial[:i+1]...)
		p.partial = p.partial[i+1:]
		if _, err := p.to.Write(line); err != nil {
			return len(b), err
		}
	}
}

func (p *prefixer) flush() {
	if len(p.partial) > 0 {
		p.Write([]byte("\n"))
	}
}

// Size is a byte count as the job log shows it: "512 B", "1.5 MiB".
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
