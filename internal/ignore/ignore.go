// Package ignore matches slash-separated paths against gitignore-style
// patterns, the syntax users already know from .gitignore and .slugignore.
package ignore

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Matcher holds compiled patterns. The last pattern that matches a path
// decides, so a later "!keep.txt" re-includes what an earlier "*.txt" excluded.
type Matcher struct {
	rules []rule
}

type rule struct {
	re      *regexp.Regexp
	negate  bool
	dirOnly bool
}

// New compiles patterns. Blank lines and lines starting with '#' are ignored.
func New(patterns []string) (*Matcher, error) {
	m := &Matcher{}
	for _, p := range patterns {
		r, ok, err := compile(p)
		if err != nil {
			return nil, fmt.Errorf("exclude pattern %q: %w", p, err)
		}
		if ok {
			m.rules = append(m.rules, r)
		}
	}
	return m, nil
}

// Match reports whether the path (relative, slash-separated, no leading
// "./") is excluded. isDir tells whether the path names a directory, for
// patterns that end in '/'.
func (m *Matcher) Match(path string, isDir bool) bool {
	excluded := false
	for _, r := range m.rules {
		if r.dirOnly && !isDir {
			continue
		}
		if r.re.MatchString(path) {
			excluded = !r.negate
		}
	}
	return excluded
}

// Empty reports whether the matcher has no rules (nil has none).
func (m *Matcher) Empty() bool { return m == nil || len(m.rules) == 0 }

func compile(p string) (rule, bool, error) {
	p = strings.TrimRight(p, " \t\r\n")
	if p == "" || strings.HasPrefix(p, "#") {
		return rule{}, false, nil
	}
	var r rule
	if strings.HasPrefix(p, "!") {
		r.negate = true
		p = p[1:]
	} else if strings.HasPrefix(p, `\!`) || strings.HasPrefix(p, `\#`) {
		p = p[1:]
	}
	if strings.HasSuffix(p, "/") {
		r.dirOnly = true
		p = strings.TrimRight(p, "/")
	}
	p = strings.TrimPrefix(p, "./")
	if p == "" {
		return rule{}, false, nil
	}
	// A slash anywhere but the end anchors the pattern to the root;
	// otherwise it matches a name at any depth.
	anchored := strings.Contains(p, "/")
	p = strings.TrimPrefix(p, "/")
	body, err := translate(p)
	if err != nil {
		return rule{}, false, err
	}
	prefix := "^"
	if !anchored {
		prefix = "^(?:.*/)?"
	}
	re, err := regexp.Compile(prefix + body + "$")
	if err != nil {
		return rule{}, false, err
	}
	r.re = re
	return r, true, nil
}

// writeLiteral quotes the first rune of s and returns its width in bytes.
// Runes, not bytes: a byte-wise copy mangles non-ASCII names. An invalid
// byte becomes U+FFFD, which is how regexp reads it in the path too.
func writeLiteral(b *strings.Builder, s string) int {
	r, size := utf8.DecodeRuneInString(s)
	b.WriteString(regexp.QuoteMeta(string(r)))
	return size
}

// translate turns a glob into a regular expression body.
func translate(p string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case strings.HasPrefix(p[i:], "**/") && (i == 0 || p[i-1] == '/'):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(p[i:], "**") && i+2 == len(p) && (i == 0 || p[i-1] == '/'):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			end := strings.IndexByte(p[i+1:], ']')
			if end < 0 {
				return "", fmt.Errorf("unterminated character class")
			}
			class := p[i+1 : i+1+end]
			if class == "" {
				return "", fmt.Errorf("empty character class")
			}
			if class[0] == '!' {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += end + 1
		case c == '\\' && i+1 < len(p):
			i++
			i += writeLiteral(&b, p[i:]) - 1
		default:
			i += writeLiteral(&b, p[i:]) - 1
		}
	}
	return b.String(), nil
}
