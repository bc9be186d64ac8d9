// Package civar reads typed values from CI/CD variables: a list the way
// GitLab renders an array input inside a string (Ruby's Array#inspect), or
// one plain item where the flag takes it; a switch the ways people write
// one.
package civar

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// List is the list in variable name, whose value is raw. With orItem, a
// value that is not a list is one item: a component passes one value
// there (promote's to), a list only when run by hand.
func List(name, raw string, orItem bool) ([]string, error) {
	var list []string
	var err error
	if s := strings.TrimSpace(raw); orItem && s != "" && !strings.HasPrefix(s, "[") {
		if strings.Contains(s, ",") {
			// Items never hold a comma here; the old comma-separated form
			// must not pass as one odd item.
			return nil, fmt.Errorf(`%s: %q is neither one item nor a list: want ["a", "b"], as GitLab renders an array input`, name, raw)
		}
		list = []string{raw}
	} else if list, err = Parse(raw); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if list == nil {
		list = []string{}
	}
	return list, nil
}

// Parse reads a list the way GitLab writes an array input that is
// interpolated inside a longer string: Ruby's Array#inspect of strings,
// `["heroku/nodejs", "https://x/a,b.tgz"]`. GitLab's interpolation calls
// block.value.to_s for a block used inside a string
// (lib/gitlab/ci/interpolation/template.rb, interpolate_string_node!), and
// to_s of an Array is its inspect form. A JSON array of strings parses too:
// for these values the two differ only in escapes, which are all accepted.
// Surrounding whitespace (the template's trailing newline) is ignored.
func Parse(raw string) ([]string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, nil
	}
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return nil, fmt.Errorf(`not a list: want ["a", "b"], as GitLab renders an array input`)
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	out := []string{}
	for s != "" {
		if s[0] != '"' {
			item, _, _ := strings.Cut(s, ",")
			return nil, fmt.Errorf("item %s is not a string", strings.TrimSpace(item))
		}
		item, rest, err := rubyString(s)
		if err != nil {
			return nil, err
		}
		if strings.IndexFunc(item, unicode.IsControl) >= 0 {
			// GitLab writes the list into the job with Ruby's gsub, which
			// halves backslashes: "\\n" in the input arrives as a line break.
			return nil, fmt.Errorf("item %q holds a control character: list items cannot contain a backslash (GitLab halves them on the way)", item)
		}
		out = append(out, item)
		rest = strings.TrimSpace(rest)
		if rest == "" {
			break
		}
		if rest[0] != ',' {
			return nil, fmt.Errorf("want a comma after %q", item)
		}
		s = strings.TrimSpace(rest[1:])
		if s == "" {
			return nil, fmt.Errorf("trailing comma")
		}
	}
	return out, nil
}

// rubyString reads one double-quoted string in Ruby's String#inspect form
// at the start of s and returns it and what follows.
func rubyString(s string) (string, string, error) {
	var b strings.Builder
	for i := 1; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), s[i+1:], nil
		case c != '\\':
			b.WriteByte(c)
			i++
			continue
		case i+1 >= len(s):
			return "", "", fmt.Errorf("unterminated string")
		}
		e := s[i+1]
		i += 2
		switch e {
		case '"', '\\', '#', '/':
			b.WriteByte(e)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case 'b':
			b.WriteByte('\b')
		case 'a':
			b.WriteByte('\a')
		case 'e':
			b.WriteByte(0x1b)
		case 'x':
			if i+2 > len(s) {
				return "", "", fmt.Errorf(`bad \x escape`)
			}
			n, err := strconv.ParseUint(s[i:i+2], 16, 8)
			if err != nil {
				return "", "", fmt.Errorf(`bad \x escape`)
			}
			b.WriteByte(byte(n))
			i += 2
		case 'u':
			hex := ""
			if i < len(s) && s[i] == '{' {
				end := strings.IndexByte(s[i:], '}')
				if end < 0 {
					return "", "", fmt.Errorf(`bad \u escape`)
				}
				hex, i = s[i+1:i+end], i+end+1
			} else if i+4 <= len(s) {
				hex, i = s[i:i+4], i+4
			}
			n, err := strconv.ParseUint(hex, 16, 32)
			if err != nil || !utf8.ValidRune(rune(n)) {
				return "", "", fmt.Errorf(`bad \u escape`)
			}
			b.WriteRune(rune(n))
		default:
			return "", "", fmt.Errorf(`unknown escape \%c`, e)
		}
	}
	return "", "", fmt.Errorf("unterminated string")
}
