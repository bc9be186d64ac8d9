// Package dynoshell is the shell the Heroku simulator's one-off dynos (and
// app setups' postdeploy scripts) run: an interpreter of the small subset
// of bash that tests need of a command (its output, its exit status, how
// long it takes, how it dies), which takes the shapes it knows as bash
// does (TestShellLikeBash runs them through the machine's bash too) and
// fails the rest as bash would, never running them differently.
package dynoshell

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Shell is the little shell one-off dynos run, enough to script what a
// test needs of a command: its output, its exit status, how long it takes,
// and how it dies. Its grammar:
//
//	list     := and_or { (";" | newline) and_or }
//	and_or   := pipeline { ("&&" | "||") [newlines] pipeline }
//	pipeline := command { "|" command }
//	command  := "(" list ")" | word... [ "<<" DELIM | "<<-" DELIM ]
//
// Words take 'single' and "double" quotes, backslash escapes, $NAME,
// ${NAME} and $? (no globbing, no word splitting). As in bash, a # that
// begins a word comments out the rest of its line, a backslash before a
// newline joins the lines, and a here-document's body runs from the next
// line to the line that is its delimiter alone (leading tabs stripped for
// <<-; $NAME expanded unless the delimiter is quoted); without that line
// it runs to the end, as bash takes it after a warning. These shapes are
// what `run`'s wrapper must survive, and the simulator takes them as
// bash does (internal/oneoff's TestWrapRealShells checks the wrapper with
// the real sh and bash). Commands:
//
//	echo WORD...      print the words
//	printf FMT ARG... print FMT (\n \r \t \\ \xHH, %s %d %%), again for the
//	                  arguments it leaves over, as printf(1)
//	cat               print its standard input (a here-document, a pipe; none: nothing)
//	tr SET1 SET2      map the bytes of SET1 to those of SET2 (\0 \r \n \t \\ \NNN)
//	head -c N FILE    print N bytes of /dev/zero or /dev/urandom
//	exit [N]          end the shell (or the subshell) with status N
//	true, false       status 0, 1
//	sleep SECONDS     wait (a stop or time_to_live ends it)
//	test / [ ... ]    A = B, A != B, -n A, -z A
//	bash -c LINE      run LINE in a child shell (sh -c too)
//	launcher CMD...   run CMD with the app's environment (Fir apps only)
//	crash             the dyno dies at once (as on an R15): nothing more runs, no output
//
// Anything else prints "bash: NAME: command not found" with status 127.
// Where it is kinder than bash: no redirections other than <<,
// loops or functions (a script that uses them fails with bash's
// "command not found" or a syntax error, never runs differently).
type Shell struct {
	Env    map[string]string // the process's environment
	Out    io.Writer         // where its output goes (stdout and stderr alike)
	Kill   <-chan struct{}   // closed when the dyno is stopped: Run returns ErrKilled
	Fir    bool              // a Fir app's dyno: launcher runs commands
	status int
	in     io.Reader // standard input: a pipe's; nil: none (as a dyno's, empty)
	stdin  io.Reader // the command's: its here-document, or in
}

// exitNow is `exit N` on its way up to the nearest (sub)shell.
type exitNow struct{ code int }

func (e exitNow) Error() string { return fmt.Sprintf("exit %d", e.code) }

var (
	// ErrCrash: the process died without a status (the crash command).
	ErrCrash = errors.New("crashed")
	// ErrKilled: Kill was closed under the process.
	ErrKilled = errors.New("killed")
)

// Run runs a command line and returns its exit status, or ErrCrash
// or ErrKilled when the dyno died under it.
func (sh *Shell) Run(line string) (int, error) {
	toks, err := tokenize(line)
	if err != nil {
		fmt.Fprintf(sh.Out, "bash: %v\n", err)
		return 2, nil
	}
	p := &parser{toks: toks}
	l, err := p.list()
	if err == nil && p.pos < len(p.toks) {
		err = fmt.Errorf("syntax error near unexpected token `%s'", p.toks[p.pos].text)
	}
	if err != nil {
		fmt.Fprintf(sh.Out, "bash: %v\n", err)
		return 2, nil
	}
	err = sh.list(l)
	var ex exitNow
	if errors.As(err, &ex) {
		return ex.code, nil
	}
	return sh.status, err
}

type token struct {
	op   bool // ; && || ( ) newline << <<-
	text string
	doc  *heredoc // for << and <<-
}

// heredoc is a here-document: its delimiter, and its body once read.
type heredoc struct {
	delim, body string
	tabs        bool // <<-
	expand      bool // unquoted delimiter: $NAME in the body expanded
}

func tokenize(s string) ([]token, error) {
	var toks []token
	var pending []*heredoc // here-documents whose body starts after this line
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == '\n':
			i += 2 // a line continued
		case c == ' ' || c == '\t':
			i++
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '\n':
			toks = append(toks, token{op: true, text: "\n"})
			i++
			for _, h := range pending {
				i = h.read(s, i)
			}
			pending = nil
		case strings.HasPrefix(s[i:], "<<"):
			h := &heredoc{}
			i += 2
			if i < len(s) && s[i] == '-' {
				h.tabs = true
				i++
			}
			for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
				i++
			}
			start := i
			for i < len(s) && !strings.ContainsRune(" \t\n;()&|<>", rune(s[i])) {
				i++
			}
			if start == i {
				return nil, errors.New("syntax error near unexpected token `newline'")
			}
			raw := s[start:i]
			h.delim = strings.NewReplacer("'", "", `"`, "", `\`, "").Replace(raw)
			h.expand = h.delim == raw
			toks = append(toks, token{op: true, text: "<<", doc: h})
			pending = append(pending, h)
		case c == ';' || c == '(' || c == ')':
			toks = append(toks, token{op: true, text: string(c)})
			i++
		case strings.HasPrefix(s[i:], "&&") || strings.HasPrefix(s[i:], "||"):
			toks = append(toks, token{op: true, text: s[i : i+2]})
			i += 2
		case c == '|':
			toks = append(toks, token{op: true, text: "|"})
			i++
		default:
			start := i
			for i < len(s) && !strings.ContainsRune(" \t\n;()|", rune(s[i])) && !strings.HasPrefix(s[i:], "&&") && !strings.HasPrefix(s[i:], "<<") {
				switch s[i] {
				case '\\':
					if i+1 < len(s) && s[i+1] == '\n' {
						// A line continued inside a word: bash joins it.
						return tokenize(s[:i] + s[i+2:])
					}
					i += 2
				case '\'':
					end := strings.IndexByte(s[i+1:], '\'')
					if end < 0 {
						return nil, errors.New("unexpected EOF while looking for matching `''")
					}
					i += end + 2
				case '"':
					j := i + 1
					for j < len(s) && s[j] != '"' {
						if s[j] == '\\' {
							j++
						}
						j++
					}
					if j >= len(s) {
						return nil, errors.New("unexpected EOF while looking for matching `\"'")
					}
					i = j + 1
				default:
					i++
				}
			}
			toks = append(toks, token{text: s[start:min(i, len(s))]})
		}
	}
	for _, h := range pending { // a here-document on the last line: no body
		h.read(s, len(s))
	}
	return toks, nil
}

// read takes the here-document's body from s[i:] and returns where the
// line after its delimiter starts. Without a delimiter line, the body runs
// to the end.
func (h *heredoc) read(s string, i int) int {
	var body strings.Builder
	for i < len(s) {
		end := strings.IndexByte(s[i:], '\n')
		next := len(s)
		line := s[i:]
		if end >= 0 {
			line, next = s[i:i+end], i+end+1
		}
		if h.tabs {
			line = strings.TrimLeft(line, "\t")
		}
		i = next
		if line == h.delim {
			break
		}
		body.WriteString(line + "\n")
	}
	h.body = body.String()
	return i
}

type (
	cmdList []andOr
	andOr   struct {
		cmds []command
		ops  []string
	}
	command struct {
		words []string // raw, unexpanded
		group cmdList  // set for ( list )
		stdin *heredoc // <<
		next  *command // the command its output is piped to
	}
	parser struct {
		toks []token
		pos  int
	}
)

func (p *parser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

func (p *parser) list() (cmdList, error) {
	var l cmdList
	for {
		t, ok := p.peek()
		if !ok || (t.op && t.text == ")") {
			return l, nil
		}
		if t.op && (t.text == ";" || t.text == "\n") {
			p.pos++
			continue
		}
		ao, err := p.andOr()
		if err != nil {
			return nil, err
		}
		l = append(l, ao)
	}
}

// pipeline reads command { "|" command }, chained by next.
func (p *parser) pipeline() (command, error) {
	c, err := p.command()
	if err != nil {
		return c, err
	}
	if t, ok := p.peek(); ok && t.op && t.text == "|" {
		p.pos++
		for t, ok := p.peek(); ok && t.op && t.text == "\n"; t, ok = p.peek() {
			p.pos++
		}
		next, err := p.pipeline()
		if err != nil {
			return c, err
		}
		c.next = &next
	}
	return c, nil
}

func (p *parser) andOr() (andOr, error) {
	var ao andOr
	for {
		c, err := p.pipeline()
		if err != nil {
			return ao, err
		}
		ao.cmds = append(ao.cmds, c)
		t, ok := p.peek()
		if !ok || !t.op || (t.text != "&&" && t.text != "||") {
			return ao, nil
		}
		ao.ops = append(ao.ops, t.text)
		p.pos++
		for t, ok := p.peek(); ok && t.op && t.text == "\n"; t, ok = p.peek() {
			p.pos++
		}
	}
}

func (p *parser) command() (command, error) {
	t, ok := p.peek()
	if !ok {
		return command{}, errors.New("syntax error: unexpected end of file")
	}
	if t.op && t.text == "(" {
		p.pos++
		l, err := p.list()
		if err != nil {
			return command{}, err
		}
		if t, ok := p.peek(); !ok || t.text != ")" {
			return command{}, errors.New("syntax error: missing `)'")
		}
		p.pos++
		return command{group: l}, nil
	}
	var c command
	for {
		t, ok := p.peek()
		if ok && t.doc != nil {
			c.stdin = t.doc
			p.pos++
			continue
		}
		if !ok || t.op {
			break
		}
		c.words = append(c.words, t.text)
		p.pos++
	}
	if len(c.words) == 0 {
		return c, fmt.Errorf("syntax error near unexpected token `%s'", t.text)
	}
	return c, nil
}

func (sh *Shell) list(l cmdList) error {
	for _, ao := range l {
		for i, c := range ao.cmds {
			if i > 0 && (ao.ops[i-1] == "&&") != (sh.status == 0) {
				continue
			}
			if err := sh.command(c); err != nil {
				return err
			}
		}
	}
	return nil
}

func (sh *Shell) command(c command) error {
	select {
	case <-sh.Kill:
		return ErrKilled
	default:
	}
	if c.next != nil {
		return sh.pipe(c)
	}
	if c.group != nil {
		return sh.sub(func() error { return sh.list(c.group) })
	}
	args := make([]string, len(c.words))
	for i, w := range c.words {
		args[i] = sh.expand(w)
	}
	sh.stdin = sh.in
	if c.stdin != nil {
		body := c.stdin.body
		if c.stdin.expand {
			body = sh.expandDoc(body)
		}
		sh.stdin = strings.NewReader(body)
	}
	if sh.stdin == nil {
		sh.stdin = strings.NewReader("")
	}
	return sh.exec(args)
}

// pipe runs c | c.next..., each side a subshell as in bash, side by side;
// the status is the last command's.
func (sh *Shell) pipe(c command) error {
	first := c
	first.next = nil
	pr, pw := io.Pipe()
	left := &Shell{Env: sh.Env, Out: pw, Kill: sh.Kill, Fir: sh.Fir, status: sh.status, in: sh.in}
	done := make(chan error, 1)
	go func() {
		err := left.sub(func() error { return left.command(first) })
		pw.Close()
		done <- err
	}()
	right := &Shell{Env: sh.Env, Out: sh.Out, Kill: sh.Kill, Fir: sh.Fir, status: sh.status, in: pr}
	err := right.sub(func() error { return right.command(*c.next) })
	pr.Close() // a writer still at it gets an error, as SIGPIPE
	lerr := <-done
	sh.status = right.status
	if err == nil && (errors.Is(lerr, ErrCrash) || errors.Is(lerr, ErrKilled)) {
		err = lerr
	}
	return err
}

// expandDoc expands $NAME, ${NAME} and $? in a here-document's body.
func (sh *Shell) expandDoc(body string) string {
	var b strings.Builder
	for i := 0; i < len(body); {
		switch {
		case body[i] == '\\' && i+1 < len(body) && strings.ContainsRune(`$\`+"`", rune(body[i+1])):
			b.WriteByte(body[i+1])
			i += 2
		case body[i] == '$':
			i = sh.variable(body, i, &b)
		default:
			b.WriteByte(body[i])
			i++
		}
	}
	return b.String()
}

// sub runs f as a subshell: its `exit` ends only it.
func (sh *Shell) sub(f func() error) error {
	err := f()
	var ex exitNow
	if errors.As(err, &ex) {
		sh.status = ex.code
		return nil
	}
	return err
}

func (sh *Shell) exec(args []string) error {
	name, prev := args[0], sh.status
	sh.status = 0
	switch name {
	case "echo":
		fmt.Fprintln(sh.Out, strings.Join(args[1:], " "))
	case "exit":
		code := prev
		if len(args) > 1 {
			n, err := strconv.Atoi(args[1])
			if err != nil {
				fmt.Fprintf(sh.Out, "bash: exit: %s: numeric argument required\n", args[1])
				n = 2
			}
			code = n & 0xff
		}
		return exitNow{code}
	case "cat":
		io.Copy(sh.Out, sh.stdin)
	case "tr":
		return sh.tr(args)
	case "printf":
		if len(args) < 2 {
			fmt.Fprintln(sh.Out, "printf: usage: printf format [arguments]")
			sh.status = 2
			return nil
		}
		io.WriteString(sh.Out, printf(args[1], args[2:]))
	case "head":
		return sh.head(args)
	case "true":
	case "false":
		sh.status = 1
	case "sleep":
		secs, err := strconv.ParseFloat(strings.Join(args[1:], ""), 64)
		if err != nil {
			fmt.Fprintf(sh.Out, "sleep: invalid time interval\n")
			sh.status = 1
			return nil
		}
		select {
		case <-time.After(time.Duration(secs * float64(time.Second))):
		case <-sh.Kill:
			return ErrKilled
		}
	case "test", "[":
		if name == "[" {
			if args[len(args)-1] != "]" {
				fmt.Fprintln(sh.Out, "bash: [: missing `]'")
				sh.status = 2
				return nil
			}
			args = args[:len(args)-1]
		}
		sh.status = testExpr(args[1:])
	case "bash", "sh":
		if len(args) < 3 || args[1] != "-c" {
			fmt.Fprintf(sh.Out, "%s: the simulator runs only %s -c LINE\n", name, name)
			sh.status = 2
			return nil
		}
		child := &Shell{Env: sh.Env, Out: sh.Out, Kill: sh.Kill, Fir: sh.Fir}
		st, err := child.Run(args[2])
		sh.status = st
		return err
	case "launcher":
		if !sh.Fir || len(args) < 2 {
			return sh.notFound(name)
		}
		return sh.exec(args[1:])
	case "crash":
		return ErrCrash
	default:
		return sh.notFound(name)
	}
	return nil
}

// head is `head -c N FILE` of an endless file: output in quantity, with
// no line break (/dev/zero) or with some (/dev/urandom).
func (sh *Shell) head(args []string) error {
	var n int64
	err := errors.New("usage")
	if len(args) == 4 {
		n, err = strconv.ParseInt(args[2], 10, 64)
	}
	if err != nil || args[1] != "-c" || n < 0 || (args[3] != "/dev/zero" && args[3] != "/dev/urandom") {
		fmt.Fprintln(sh.Out, "head: the simulator runs only head -c N /dev/zero|/dev/urandom")
		sh.status = 1
		return nil
	}
	buf := make([]byte, 64<<10)
	for n > 0 {
		select {
		case <-sh.Kill:
			return ErrKilled
		default:
		}
		chunk := buf[:min(int64(len(buf)), n)]
		if args[3] == "/dev/urandom" {
			rand.Read(chunk)
		}
		if _, err := sh.Out.Write(chunk); err != nil {
			return nil // the output is gone (a cut session): the process goes on
		}
		n -= int64(len(chunk))
	}
	return nil
}

// tr maps bytes of its input, as tr(1) with two sets of one-byte
// characters.
func (sh *Shell) tr(args []string) error {
	if len(args) != 3 || len(unescape(args[1])) != len(unescape(args[2])) {
		fmt.Fprintln(sh.Out, "tr: the simulator runs only tr SET1 SET2, two sets of the same length")
		sh.status = 1
		return nil
	}
	from, to := unescape(args[1]), unescape(args[2])
	var table [256]byte
	for i := range table {
		table[i] = byte(i)
	}
	for i := range len(from) {
		table[from[i]] = to[i]
	}
	buf := make([]byte, 64<<10)
	for {
		select {
		case <-sh.Kill:
			return ErrKilled
		default:
		}
		n, err := sh.stdin.Read(buf)
		for i := range n {
			buf[i] = table[buf[i]]
		}
		if _, werr := sh.Out.Write(buf[:n]); werr != nil {
			return nil
		}
		if err != nil {
			return nil
		}
	}
}

// unescape reads tr's escapes: \\, \n, \r, \t and \NNN (octal, \0 too).
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch c := s[i]; {
		case c == 'n':
			b.WriteByte('\n')
		case c == 'r':
			b.WriteByte('\r')
		case c == 't':
			b.WriteByte('\t')
		case '0' <= c && c <= '7':
			j := i
			for j < len(s) && j < i+3 && '0' <= s[j] && s[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(s[i:j], 8, 8)
			b.WriteByte(byte(v))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// printf formats as printf(1) does, for the escapes and verbs the
// simulator takes: the format is used again while arguments are left.
func printf(format string, args []string) string {
	var b strings.Builder
	for {
		used := 0
		for i := 0; i < len(format); i++ {
			c := format[i]
			switch {
			case c == '\\' && i+1 < len(format):
				i++
				switch format[i] {
				case 'n':
					b.WriteByte('\n')
				case 'r':
					b.WriteByte('\r')
				case 't':
					b.WriteByte('\t')
				case 'x':
					if v, err := strconv.ParseUint(format[i+1:min(i+3, len(format))], 16, 8); err == nil && i+2 < len(format) {
						b.WriteByte(byte(v))
						i += 2
					} else {
						b.WriteString(`\x`)
					}
				default:
					b.WriteByte(format[i])
				}
			case c == '%' && i+1 < len(format):
				i++
				arg := ""
				if format[i] != '%' && used < len(args) {
					arg = args[used]
				}
				switch format[i] {
				case '%':
					b.WriteByte('%')
				case 's':
					b.WriteString(arg)
					used++
				case 'd':
					n, _ := strconv.Atoi(arg)
					b.WriteString(strconv.Itoa(n))
					used++
				default:
					b.WriteByte('%')
					b.WriteByte(format[i])
				}
			default:
				b.WriteByte(c)
			}
		}
		args = args[min(used, len(args)):]
		if used == 0 || len(args) == 0 {
			return b.String()
		}
	}
}

func (sh *Shell) notFound(name string) error {
	fmt.Fprintf(sh.Out, "bash: %s: command not found\n", name)
	sh.status = 127
	return nil
}

func testExpr(a []string) int {
	ok := false
	switch {
	case len(a) == 3 && a[1] == "=":
		ok = a[0] == a[2]
	case len(a) == 3 && a[1] == "!=":
		ok = a[0] != a[2]
	case len(a) == 2 && a[0] == "-n":
		ok = a[1] != ""
	case len(a) == 2 && a[0] == "-z":
		ok = a[1] == ""
	case len(a) == 1:
		ok = a[0] != ""
	default:
		return 2
	}
	if ok {
		return 0
	}
	return 1
}

// expand removes quotes and expands variables in one word.
func (sh *Shell) expand(w string) string {
	var b strings.Builder
	for i := 0; i < len(w); {
		switch c := w[i]; c {
		case '\'':
			end := strings.IndexByte(w[i+1:], '\'')
			b.WriteString(w[i+1 : i+1+end])
			i += end + 2
		case '"':
			i++
			for i < len(w) && w[i] != '"' {
				switch {
				case w[i] == '\\' && i+1 < len(w) && strings.ContainsRune(`"\$`+"`", rune(w[i+1])):
					b.WriteByte(w[i+1])
					i += 2
				case w[i] == '$':
					i = sh.variable(w, i, &b)
				default:
					b.WriteByte(w[i])
					i++
				}
			}
			i++
		case '\\':
			if i+1 < len(w) {
				b.WriteByte(w[i+1])
			}
			i += 2
		case '$':
			i = sh.variable(w, i, &b)
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// variable expands the variable at w[i] == '$' and returns where the word
// goes on.
func (sh *Shell) variable(w string, i int, b *strings.Builder) int {
	j := i + 1
	switch {
	case j < len(w) && w[j] == '?':
		b.WriteString(strconv.Itoa(sh.status))
		return j + 1
	case j < len(w) && w[j] == '{':
		end := strings.IndexByte(w[j:], '}')
		if end < 0 {
			b.WriteByte('$')
			return j
		}
		b.WriteString(sh.Env[w[j+1:j+end]])
		return j + end + 1
	}
	k := j
	for k < len(w) && (w[k] == '_' || ('a' <= w[k] && w[k] <= 'z') || ('A' <= w[k] && w[k] <= 'Z') || (k > j && '0' <= w[k] && w[k] <= '9')) {
		k++
	}
	if k == j {
		b.WriteByte('$')
		return j
	}
	b.WriteString(sh.Env[w[j:k]])
	return k
}
