package herokusim

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// shell is the little shell one-off dynos run, enough to script what a
// test needs of a command: its output, its exit status, how long it takes,
// and how it dies. Its grammar:
//
//	list     := and_or { ";" and_or }
//	and_or   := command { ("&&" | "||") command }
//	command  := "(" list ")" | word...
//
// Words take 'single' and "double" quotes, backslash escapes, $NAME,
// ${NAME} and $? (no globbing, no word splitting). Commands:
//
//	echo WORD...      print the words
//	exit [N]          end the shell (or the subshell) with status N
//	true, false       status 0, 1
//	sleep SECONDS     wait (a stop or time_to_live ends it)
//	test / [ ... ]    A = B, A != B, -n A, -z A
//	bash -c LINE      run LINE in a child shell (sh -c too)
//	launcher CMD...   run CMD with the app's environment (Fir apps only)
//	crash             the dyno dies at once (as on an R15): nothing more runs, no output
//
// Anything else prints "bash: NAME: command not found" with status 127.
type shell struct {
	env    map[string]string
	out    io.Writer
	kill   <-chan struct{}
	fir    bool
	status int
}

// exitNow is `exit N` on its way up to the nearest (sub)shell.
type exitNow struct{ code int }

func (e exitNow) Error() string { return fmt.Sprintf("exit %d", e.code) }

var (
	errCrash  = errors.New("crashed")
	errKilled = errors.New("killed")
)

// runScript runs a command line and returns its exit status, or errCrash
// or errKilled when the dyno died under it.
func (sh *shell) runScript(line string) (int, error) {
	toks, err := tokenize(line)
	if err != nil {
		fmt.Fprintf(sh.out, "bash: %v\n", err)
		return 2, nil
	}
	p := &parser{toks: toks}
	l, err := p.list()
	if err == nil && p.pos < len(p.toks) {
		err = fmt.Errorf("syntax error near unexpected token `%s'", p.toks[p.pos].text)
	}
	if err != nil {
		fmt.Fprintf(sh.out, "bash: %v\n", err)
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
	op   bool // ; && || ( )
	text string
}

func tokenize(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == ';' || c == '(' || c == ')':
			toks = append(toks, token{true, string(c)})
			i++
		case strings.HasPrefix(s[i:], "&&") || strings.HasPrefix(s[i:], "||"):
			toks = append(toks, token{true, s[i : i+2]})
			i += 2
		default:
			start := i
			for i < len(s) && !strings.ContainsRune(" \t\n;()", rune(s[i])) && !strings.HasPrefix(s[i:], "&&") && !strings.HasPrefix(s[i:], "||") {
				switch s[i] {
				case '\\':
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
			toks = append(toks, token{false, s[start:min(i, len(s))]})
		}
	}
	return toks, nil
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
		if t.op && t.text == ";" {
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

func (p *parser) andOr() (andOr, error) {
	var ao andOr
	for {
		c, err := p.command()
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

func (sh *shell) list(l cmdList) error {
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

func (sh *shell) command(c command) error {
	select {
	case <-sh.kill:
		return errKilled
	default:
	}
	if c.group != nil {
		return sh.sub(func() error { return sh.list(c.group) })
	}
	args := make([]string, len(c.words))
	for i, w := range c.words {
		args[i] = sh.expand(w)
	}
	return sh.exec(args)
}

// sub runs f as a subshell: its `exit` ends only it.
func (sh *shell) sub(f func() error) error {
	err := f()
	var ex exitNow
	if errors.As(err, &ex) {
		sh.status = ex.code
		return nil
	}
	return err
}

func (sh *shell) exec(args []string) error {
	name, prev := args[0], sh.status
	sh.status = 0
	switch name {
	case "echo":
		fmt.Fprintln(sh.out, strings.Join(args[1:], " "))
	case "exit":
		code := prev
		if len(args) > 1 {
			n, err := strconv.Atoi(args[1])
			if err != nil {
				fmt.Fprintf(sh.out, "bash: exit: %s: numeric argument required\n", args[1])
				n = 2
			}
			code = n & 0xff
		}
		return exitNow{code}
	case "true":
	case "false":
		sh.status = 1
	case "sleep":
		secs, err := strconv.ParseFloat(strings.Join(args[1:], ""), 64)
		if err != nil {
			fmt.Fprintf(sh.out, "sleep: invalid time interval\n")
			sh.status = 1
			return nil
		}
		select {
		case <-time.After(time.Duration(secs * float64(time.Second))):
		case <-sh.kill:
			return errKilled
		}
	case "test", "[":
		if name == "[" {
			if args[len(args)-1] != "]" {
				fmt.Fprintln(sh.out, "bash: [: missing `]'")
				sh.status = 2
				return nil
			}
			args = args[:len(args)-1]
		}
		sh.status = testExpr(args[1:])
	case "bash", "sh":
		if len(args) < 3 || args[1] != "-c" {
			fmt.Fprintf(sh.out, "%s: the simulator runs only %s -c LINE\n", name, name)
			sh.status = 2
			return nil
		}
		child := &shell{env: sh.env, out: sh.out, kill: sh.kill, fir: sh.fir}
		st, err := child.runScript(args[2])
		sh.status = st
		return err
	case "launcher":
		if !sh.fir || len(args) < 2 {
			return sh.notFound(name)
		}
		return sh.exec(args[1:])
	case "crash":
		return errCrash
	default:
		return sh.notFound(name)
	}
	return nil
}

func (sh *shell) notFound(name string) error {
	fmt.Fprintf(sh.out, "bash: %s: command not found\n", name)
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
func (sh *shell) expand(w string) string {
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
func (sh *shell) variable(w string, i int, b *strings.Builder) int {
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
		b.WriteString(sh.env[w[j+1:j+end]])
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
	b.WriteString(sh.env[w[j:k]])
	return k
}
