package gitlabci

import (
	"strings"
	"testing"
)

// The renderer's own tests: each case is a rule of GitLab's, with the
// source it comes from, so a wrong renderer cannot make a wrong template
// pass.

const specAll = `spec:
  inputs:
    s: {type: string, default: "a b"}
    n: {type: number, default: 3}
    b: {type: boolean, default: true}
    l: {type: array, default: ["heroku/nodejs", "https://x/a,b.tgz"]}
    e: {type: array, default: []}
    z: {type: string, default: ""}
    branch: {type: string, default: $CI_DEFAULT_BRANCH}
---
`

func renderString(t *testing.T, src string, args string) (any, error) {
	t.Helper()
	c, err := ParseComponent([]byte(src))
	if err != nil {
		return nil, err
	}
	var am *Map
	if args != "" {
		v, err := LoadOne([]byte(args))
		if err != nil {
			t.Fatal(err)
		}
		am = v.(*Map)
	}
	return c.Render(am, RenderOptions{
		Vars:   map[string]string{"CI_DEFAULT_BRANCH": "main", "CI_PROJECT_NAME": "heroku"},
		Masked: map[string]bool{"SECRET": true},
	})
}

// TestInterpolationValues: template.rb keeps the type of a node that is
// exactly one block and writes value.to_s into a longer string.
func TestInterpolationValues(t *testing.T) {
	for _, tc := range []struct{ body, args, want string }{
		// Whole value: the input's type, whatever YAML quoting was used.
		{`x: $[[ inputs.l ]]`, ``, `x: [heroku/nodejs, "https://x/a,b.tgz"]`},
		{`x: '$[[ inputs.l ]]'`, ``, `x: [heroku/nodejs, "https://x/a,b.tgz"]`},
		{`x: "$[[ inputs.b ]]"`, ``, `x: true`},
		{`x: "$[[inputs.n]]"`, ``, `x: 3`},
		// Inside a string: Ruby's to_s. Arrays are Array#inspect.
		{`x: "list: $[[ inputs.l ]]"`, ``, `x: 'list: ["heroku/nodejs", "https://x/a,b.tgz"]'`},
		{"x: |\n  $[[ inputs.l ]]\n", ``, `x: "[\"heroku/nodejs\", \"https://x/a,b.tgz\"]\n"`},
		{"x: |\n  $[[ inputs.e ]]\n", ``, `x: "[]\n"`},
		{`x: "b=$[[ inputs.b ]] n=$[[ inputs.n ]] z=[$[[ inputs.z ]]]"`, ``, `x: b=true n=3 z=[]`},
		{`x: "$[[ inputs.s ]]$[[ inputs.s ]]"`, ``, `x: a ba b`},
		// Keys are interpolated too.
		{`"job-$[[ inputs.s ]]": 1`, ``, `"job-a b": 1`},
		// String#inspect escapes.
		// … and Ruby's gsub halves the backslashes of the escaped text: a
		// backslash in a list item does not survive.
		{`x: "$[[ inputs.l ]] "`, `l: ['say "hi"', 'C:\dir', "#{x}", "tab\there", "é", "#x"]`,
			`x: '["say \"hi\"", "C:\dir", "\#{x}", "tab\there", "é", "#x"] '`},
		{`x: "a $[[ inputs.s ]]"`, `s: 'x\0y\\z\&'`, `x: 'a x$[[ inputs.s ]]y\z$[[ inputs.s ]]'`},
		// nil inside an array is nil; numbers and booleans bare.
		{`x: "$[[ inputs.l ]]."`, `l: [1, 2.5, true, ~, [a]]`, `x: '[1, 2.5, true, nil, ["a"]].'`},
		// Functions of 17.0.
		{`x: $[[ inputs.s | truncate(1,5) ]]`, `s: "0123456789"`, `x: "12345"`},
		{`x: $[[ inputs.s | truncate(20,5) ]]`, `s: "0123456789"`, `x: ""`},
		{`x: $[[ inputs.branch | expand_vars ]]`, ``, `x: main`},
		{`x: $[[ inputs.s | expand_vars ]]`, `s: "$CI_PROJECT_NAME/${CI_PROJECT_NAME}/$UNKNOWN"`, `x: heroku/heroku/$UNKNOWN`},
		{`x: $[[ inputs.s | expand_vars | truncate(0,2) ]]`, `s: "$CI_PROJECT_NAME"`, `x: he`},
		// Not a block: left alone.
		{`x: "$[[ ]] and $[ inputs.s ]"`, ``, `x: "$[[ ]] and $[ inputs.s ]"`},
	} {
		got, err := renderString(t, specAll+tc.body, tc.args)
		if err != nil {
			t.Errorf("%s with %q: %v", tc.body, tc.args, err)
			continue
		}
		want, err := LoadOne([]byte(tc.want))
		if err != nil {
			t.Fatal(err)
		}
		if g, w := string(DumpYAML(got)), string(DumpYAML(want)); g != w {
			t.Errorf("%s with %q:\n got %s\nwant %s", tc.body, tc.args, g, w)
		}
	}
}

// TestInterpolationErrors: what GitLab 17.0 refuses when it creates the
// pipeline.
func TestInterpolationErrors(t *testing.T) {
	for _, tc := range []struct{ src, args, want string }{
		// header/root.rb, header/spec.rb, header/input.rb (17.0).
		{"spec:\n  component: [version]\n  inputs: {}\n---\nx: 1\n", ``, "header:spec config contains unknown keys: component"},
		{"spec:\n  description: " + strings.Repeat("d", 257) + "\n---\nx: 1\n", ``, "unknown keys: description"},
		{"spec:\n  description: short\n---\nx: 1\n", ``, "unknown keys: description"},
		{"spec:\n  include: [{local: a.yml}]\n---\nx: 1\n", ``, "unknown keys: include"},
		{"spec: {}\nother: 1\n---\nx: 1\n", ``, "header config contains unknown keys: other"},
		{"spec:\n  inputs:\n    a: {type: string, default: x, rules: [{default: y}]}\n---\nx: 1\n", ``, "unknown keys: rules"},
		{"spec:\n  inputs:\n    a: {type: map}\n---\nx: 1\n", ``, "input type unknown value: map"},
		{"spec:\n  inputs:\n    a: x\n---\nx: 1\n", ``, "config should be a hash"},
		{"spec:\n  inputs:\n    a: {options: " + "[" + strings.Repeat("x,", 50) + "x]}\n---\nx: 1\n", `a: x`, "more than 50 options"},
		// The context of 17.0 has inputs only; 17.0 has two functions.
		{specAll + "x: $[[ component.version ]]\n", ``, "unknown interpolation key: `component`"},
		{specAll + "x: img:$[[ component.version ]]\n", ``, "unknown interpolation key: `component`"},
		{specAll + "x: $[[ inputs.nope ]]\n", ``, "unknown interpolation key: `nope`"},
		{specAll + "x: $[[ inputs ]]\n", ``, "invalid interpolation access pattern"},
		{specAll + "x: $[[ inputs.s | posix_escape ]]\n", ``, "no function matching `posix_escape`"},
		{specAll + "x: $[[ inputs.s | split(',') ]]\n", ``, "no function matching"},
		{specAll + "x: $[[ inputs.s | truncate(0,9) | truncate(0,8) | truncate(0,7) | truncate(0,6) ]]\n", ``, "too many functions"},
		{specAll + "x: $[[ inputs.l | expand_vars ]]\n", ``, "expand_vars can only be used with string inputs"},
		{specAll + "x: $[[ inputs.n | truncate(0,1) ]]\n", ``, "truncate can only be used with string inputs"},
		{specAll + "x: $[[ inputs.s | expand_vars ]]\n", `s: $SECRET`, "masked"},
		// Inputs: unknown names, required ones, types, options, regex.
		{specAll + "x: 1\n", `nope: 1`, "unknown input arguments: nope"},
		{"x: 1\n", `a: 1`, "unknown input arguments"},
		{"spec:\n  inputs:\n    a: {type: string}\n---\nx: $[[ inputs.a ]]\n", ``, "`a` input: required value has not been provided"},
		{specAll + "x: 1\n", `l: heroku/nodejs`, "`l` input: provided value is not an array"},
		{specAll + "x: 1\n", `s: [a]`, "`s` input: provided value is not a string"},
		{specAll + "x: 1\n", `n: "3"`, "`n` input: provided value is not a number"},
		{specAll + "x: 1\n", `b: "true"`, "`b` input: provided value is not a boolean"},
		{"spec:\n  inputs:\n    w: {type: string, default: a, options: [a, b]}\n---\nx: 1\n", `w: c`, "`w` input: `c` cannot be used because it is not in the list of allowed options"},
		{"spec:\n  inputs:\n    w: {type: string, default: c, options: [a, b]}\n---\nx: 1\n", ``, "`w` input: `c` cannot be used"},
		{"spec:\n  inputs:\n    w: {type: array, default: [a], options: [[a]]}\n---\nx: 1\n", ``, "Options can only be used with string and number inputs"},
		{"spec:\n  inputs:\n    w: {type: array, default: [], regex: ^a$}\n---\nx: 1\n", ``, "RegEx validation can only be used with string inputs"},
		// A default must satisfy its own type and regex.
		{"spec:\n  inputs:\n    w: {type: string, default: 1}\n---\nx: 1\n", ``, "`w` input: default value is not a string"},
		{"spec:\n  inputs:\n    w: {type: string, default: Main, regex: '^[a-z]+$'}\n---\nx: 1\n", ``, "`w` input: default value does not match required RegEx pattern"},
		{"spec:\n  inputs:\n    w: {type: string, default: ~}\n---\nx: 1\n", ``, "default value is not a string"},
		// A blank value never matches a regex on 17.x, even one that
		// accepts it (UntrustedRegexp#match? tests text.present? first).
		{"spec:\n  inputs:\n    w: {type: string, default: '', regex: '^(a)?$'}\n---\nx: 1\n", ``, "`w` input: default value does not match required RegEx pattern"},
		{"spec:\n  inputs:\n    w: {type: string, default: a, regex: '^ *a?$'}\n---\nx: 1\n", `w: "  "`, "provided value does not match required RegEx pattern"},
		// The regex sees the raw value, before variables are expanded.
		{"spec:\n  inputs:\n    w: {type: string, default: a, regex: '^[a-z]+$'}\n---\nx: 1\n", `w: $CI_PROJECT_NAME`, "provided value does not match required RegEx pattern"},
		{"spec:\n  inputs:\n    w: {type: string, default: a, regex: '(?<=a)b'}\n---\nx: 1\n", ``, "invalid regular expression"},
		// YAML 1.1 (Psych): on/off/yes/no are booleans.
		{"spec:\n  inputs:\n    w: {type: string, default: a}\n---\nx: 1\n", `w: on`, "provided value is not a string"},
		// A hash inside a list prints per Ruby version: refused.
		{specAll + "x: \"v $[[ inputs.l ]]\"\n", `l: [{a: 1}]`, "Hash#inspect"},
	} {
		_, err := renderString(t, tc.src, tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.60q with %q: got %v; want an error with %q", tc.src, tc.args, err, tc.want)
		}
	}
}

// TestRegexChecksEveryDeclaredInput: inputs.rb validates every declared
// input, used in the body or not.
func TestRegexChecksEveryDeclaredInput(t *testing.T) {
	_, err := renderString(t, "spec:\n  inputs:\n    unused: {type: string, default: ok, regex: ^ok$}\n---\nx: 1\n", "unused: bad")
	if err == nil {
		t.Fatal("an unused input with a bad value was accepted")
	}
}

func TestRubyInspect(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                              `"plain"`,
		`q"b\s`:                              `"q\"b\\s"`,
		"#{a} #$b #@c #d":                    `"\#{a} \#$b \#@c #d"`,
		"\x01\x7f":                           `"\u0001\u007F"`,
		"\xff":                               `"\xFF"`,
		"\u200b é 😀\u2028\u0378\u0085\u0080": "\"\u200b é 😀\\u2028\\u0378\u0085\\u0080\"",
		"\x1b\a\b\f\v\r\n\t":                 `"\e\a\b\f\v\r\n\t"`,
	} {
		if got := rubyInspectString(in); got != want {
			t.Errorf("inspect %q = %s, want %s", in, got, want)
		}
	}
	for f, want := range map[float64]string{1: "1.0", 1.5: "1.5", 1e20: "1.0e+20", 0.0001: "0.0001", 0.00001: "1.0e-05", -2.25: "-2.25"} {
		if got := rubyFloat(f); got != want {
			t.Errorf("Float#to_s %v = %s, want %s", f, got, want)
		}
	}
}

func TestRulesExpressions(t *testing.T) {
	vars := map[string]string{"CI_COMMIT_BRANCH": "main", "CI_COMMIT_TAG": "", "A": "x"}
	for expr, want := range map[string]bool{
		`$CI_COMMIT_BRANCH == "main"`:                     true,
		`$CI_COMMIT_BRANCH == 'dev'`:                      false,
		`$CI_COMMIT_TAG`:                                  false,
		`$UNSET == null`:                                  true,
		`$CI_COMMIT_BRANCH && ($A == "y" || $A =~ /^x$/)`: true,
		`$CI_COMMIT_BRANCH != "main" || $A !~ /x/`:        false,
	} {
		n, err := ParseExpr(expr)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		if got := n.Eval(vars); got != want {
			t.Errorf("%s = %v, want %v", expr, got, want)
		}
	}
	for _, bad := range []string{`$CI_COMMIT_BRANCH == main`, `${CI_COMMIT_BRANCH} == "main"`, `"main" ==`, `($A`, ``} {
		if _, err := ParseExpr(bad); err == nil {
			t.Errorf("%q parsed; GitLab says invalid expression syntax", bad)
		}
	}
}
