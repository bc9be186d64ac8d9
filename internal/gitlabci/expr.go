package gitlabci

import (
	"fmt"
	"regexp"
	"strings"
)

// A parser and evaluator for rules:if expressions, with GitLab's lexemes
// (lib/gitlab/ci/pipeline/expression/lexeme/*.rb): $VARIABLE, "string" or
// 'string', /pattern/flags, null, ==, !=, =~, !~, &&, || and parentheses.
// GitLab refuses anything else at pipeline creation ("invalid expression
// syntax", entry/rules/rule.rb validates :if, expression: true). The
// evaluator follows statement.rb: a variable is truthy when it is set and
// not empty; a quoted string is a literal (GitLab 18.5+ never expands a
// variable written inside quotes; the component's rules do not need it).

type token struct {
	kind string // var, string, pattern, null, op, (, )
	text string
}

var (
	exprVarRE     = regexp.MustCompile(`^\$[a-zA-Z_][a-zA-Z0-9_]*`)
	exprStringRE  = regexp.MustCompile(`^("[^"]*"|'[^']*')`)
	exprPatternRE = regexp.MustCompile(`^/((?:\\.|[^/\\])*)/([ismx]*)`)
	exprOpRE      = regexp.MustCompile(`^(==|!=|=~|!~|&&|\|\|)`)
)

func lexExpr(s string) ([]token, error) {
	var out []token
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return out, nil
		}
		var t token
		switch {
		case exprVarRE.MatchString(s):
			t = token{"var", exprVarRE.FindString(s)}
		case exprStringRE.MatchString(s):
			t = token{"string", exprStringRE.FindString(s)}
		case exprPatternRE.MatchString(s):
			t = token{"pattern", exprPatternRE.FindString(s)}
		case strings.HasPrefix(s, "null") && (len(s) == 4 || !isWordByte(s[4])):
			t = token{"null", "null"}
		case exprOpRE.MatchString(s):
			t = token{"op", exprOpRE.FindString(s)}
		case s[0] == '(' || s[0] == ')':
			t = token{s[:1], s[:1]}
		default:
			return nil, fmt.Errorf("invalid expression syntax at %q", s)
		}
		out = append(out, t)
		s = s[len(t.text):]
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// Expr is a parsed expression.
type Expr struct {
	op          string // "", ==, !=, =~, !~, &&, ||
	left, right *Expr
	leaf        token
}

type exprParser struct {
	toks []token
	pos  int
}

func ParseExpr(s string) (*Expr, error) {
	toks, err := lexExpr(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("invalid expression syntax: empty")
	}
	p := &exprParser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(toks) {
		return nil, fmt.Errorf("invalid expression syntax at %q", toks[p.pos].text)
	}
	return n, nil
}

func (p *exprParser) peek(text string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == "op" && p.toks[p.pos].text == text
}

func (p *exprParser) or() (*Expr, error) {
	l, err := p.and()
	for err == nil && p.peek("||") {
		p.pos++
		var r *Expr
		r, err = p.and()
		l = &Expr{op: "||", left: l, right: r}
	}
	return l, err
}

func (p *exprParser) and() (*Expr, error) {
	l, err := p.cmp()
	for err == nil && p.peek("&&") {
		p.pos++
		var r *Expr
		r, err = p.cmp()
		l = &Expr{op: "&&", left: l, right: r}
	}
	return l, err
}

func (p *exprParser) cmp() (*Expr, error) {
	l, err := p.primary()
	if err != nil {
		return nil, err
	}
	for _, op := range []string{"==", "!=", "=~", "!~"} {
		if p.peek(op) {
			p.pos++
			r, err := p.primary()
			if err != nil {
				return nil, err
			}
			if (op == "=~" || op == "!~") && r.leaf.kind != "pattern" && r.leaf.kind != "var" {
				return nil, fmt.Errorf("invalid expression syntax: %s needs a /pattern/", op)
			}
			return &Expr{op: op, left: l, right: r}, nil
		}
	}
	return l, nil
}

func (p *exprParser) primary() (*Expr, error) {
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("invalid expression syntax: unexpected end")
	}
	t := p.toks[p.pos]
	p.pos++
	switch t.kind {
	case "var", "string", "pattern", "null":
		return &Expr{leaf: t}, nil
	case "(":
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.pos >= len(p.toks) || p.toks[p.pos].kind != ")" {
			return nil, fmt.Errorf("invalid expression syntax: missing )")
		}
		p.pos++
		return n, nil
	}
	return nil, fmt.Errorf("invalid expression syntax at %q", t.text)
}

// exprValue is a value during evaluation: nil for an unset variable or
// null.
type exprValue *string

func (n *Expr) value(vars map[string]string) exprValue {
	switch n.leaf.kind {
	case "var":
		if v, ok := vars[n.leaf.text[1:]]; ok {
			return &v
		}
		return nil
	case "string":
		s := n.leaf.text[1 : len(n.leaf.text)-1]
		return &s
	case "pattern":
		s := n.leaf.text
		return &s
	}
	return nil
}

func truthy(v exprValue) bool { return v != nil && *v != "" }

func (n *Expr) Eval(vars map[string]string) bool {
	switch n.op {
	case "":
		return truthy(n.value(vars))
	case "&&":
		return n.left.Eval(vars) && n.right.Eval(vars)
	case "||":
		return n.left.Eval(vars) || n.right.Eval(vars)
	case "==", "!=":
		l, r := n.left.value(vars), n.right.value(vars)
		eq := (l == nil && r == nil) || (l != nil && r != nil && *l == *r)
		return eq == (n.op == "==")
	case "=~", "!~":
		l, r := n.left.value(vars), n.right.value(vars)
		match := false
		if l != nil && r != nil {
			m := exprPatternRE.FindStringSubmatch(*r)
			if m != nil {
				flags := ""
				if m[2] != "" {
					flags = "(?" + m[2] + ")"
				}
				if re, err := regexp.Compile(flags + m[1]); err == nil {
					match = re.MatchString(*l)
				}
			}
		}
		return match == (n.op == "=~")
	}
	return false
}

// JobRuns evaluates a job's rules:if the way GitLab does when it creates a
// pipeline with these variables (the first rule that matches decides;
// when: never, or no match, leaves the job out; no rules keeps it).
func JobRuns(job *Map, vars map[string]string) (bool, error) {
	rules, ok := job.Get("rules")
	if !ok {
		return true, nil
	}
	list, _ := rules.([]any)
	for _, r := range list {
		rm, _ := r.(*Map)
		if rm == nil {
			continue
		}
		if cond, ok := rm.Get("if"); ok {
			s, _ := cond.(string)
			n, err := ParseExpr(s)
			if err != nil {
				return false, fmt.Errorf("rules:if %q: %v", s, err)
			}
			if !n.Eval(vars) {
				continue
			}
		}
		return rm.Str("when") != "never", nil
	}
	return false, nil
}
