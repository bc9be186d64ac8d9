// Package leakcheck is the golden scripts' leak check. Every run of a
// program wrapped by Program (heroku-deploy in the scripts) has its stdout
// and stderr teed aside; when the script ends, whether it passed or failed,
// they and every file under $WORK are searched for every secret the script
// knows, in every form a tool or a server's echo could give it: raw,
// JSON-escaped, \u-escaped, URL-encoded, base64. No script has to ask.
//
// The secrets are the fakes' (herokusim, gitlabfake: each registers what it
// knows with Register, and stays registered after a restart), the secret
// variables of each run's environment (SecretEnv), and the values given to
// the leakcheck command. Its encoders are its own: the check must not share
// the code it checks (internal/redact). Tests only.
package leakcheck

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf16"
)

// MinLen is the shortest secret looked for: a shorter value appears by
// chance (a config value "1", "true", an app's short name).
const MinLen = 8

// Secret is a value that must never be printed, and what it is, for the
// report (never the value).
type Secret struct {
	Kind  string // "the simulator's API key", "$STRIPE_KEY", …
	Value string
}

// Form is one way a secret can be written out.
type Form struct {
	Name string // "JSON-escaped", "base64 (URL)", …
	Text string
}

// Forms returns the forms of secret that differ from each other, raw first:
//
//	raw                     as is
//	JSON-escaped            encoding/json without HTML escaping: \" \\ and controls
//	JSON-escaped (HTML)     json.Marshal: also < > & as \u003c \u003e \u0026
//	JSON-escaped (slashes)  the same with / as \/ (PHP, some proxies)
//	\u-escaped              every character as \uXXXX, lower and upper case hex
//	query-escaped           url.QueryEscape
//	path-escaped            url.PathEscape
//	base64, base64 (URL)    standard and URL alphabets, at each of the three
//	                        offsets a secret can have inside a longer encoded
//	                        text (Basic auth's ":KEY"), without the edge
//	                        characters the neighbours share
//
// Each form of a value is also the form of that value inside a longer
// text, so a search for the form finds an echoed secret anywhere.
func Forms(secret string) []Form {
	var forms []Form
	seen := map[string]bool{}
	add := func(name, text string) {
		if text != "" && !seen[text] {
			seen[text] = true
			forms = append(forms, Form{name, text})
		}
	}
	add("raw", secret)
	add("JSON-escaped", jsonEscape(secret, false))
	add("JSON-escaped (HTML)", jsonEscape(secret, true))
	add("JSON-escaped (slashes)", strings.ReplaceAll(jsonEscape(secret, true), "/", `\/`))
	add(`\u-escaped`, uEscape(secret, "%04x"))
	add(`\u-escaped`, uEscape(secret, "%04X"))
	add("query-escaped", url.QueryEscape(secret))
	add("path-escaped", url.PathEscape(secret))
	for _, enc := range []struct {
		name string
		e    *base64.Encoding
	}{{"base64", base64.RawStdEncoding}, {"base64 (URL)", base64.RawURLEncoding}} {
		for offset := range 3 {
			add(enc.name, base64At(enc.e, secret, offset))
		}
	}
	return forms
}

// jsonEscape writes s as a JSON string, without its quotes.
func jsonEscape(s string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	if err := enc.Encode(s); err != nil {
		panic(err) // a string always encodes
	}
	return strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(b.String(), `"`), "\n"), `"`)
}

// uEscape writes every UTF-16 unit of s as \uXXXX.
func uEscape(s, format string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, `\u`+format, u)
	}
	return b.String()
}

// base64At returns the characters of the encoding of s, placed offset bytes
// into a longer text, that depend on s alone: the first and last characters
// also carry the bits of the neighbours.
func base64At(e *base64.Encoding, s string, offset int) string {
	enc := e.EncodeToString(append(make([]byte, offset), s...))
	start := (8*offset + 5) / 6          // first character whose 6 bits are all s's
	end := 8 * (offset + len(s)) / 6     // one past the last such character
	if end-start < 4 || end > len(enc) { // too short to mean anything
		return ""
	}
	return enc[start:end]
}

// Hit is a secret found in a text.
type Hit struct {
	Secret Secret
	Form   string
	Line   int    // 1-based
	Text   string // the line, every secret in it elided
}

// needle is one form of one secret.
type needle struct {
	secret Secret
	form   Form
}

// needles returns every form of every secret, longest first so that
// eliding a secret never leaves the tail of a longer one.
func needles(secrets []Secret) []needle {
	var out []needle
	seen := map[string]bool{}
	for _, s := range expand(secrets) {
		for _, f := range Forms(s.Value) {
			if !seen[f.Text] {
				seen[f.Text] = true
				out = append(out, needle{s, f})
			}
		}
	}
	for i := 1; i < len(out); i++ { // insertion sort: stable, by length
		for j := i; j > 0 && len(out[j].form.Text) > len(out[j-1].form.Text); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// expand drops the secrets shorter than MinLen and adds each line of a
// multi-line secret (a PEM key), as a log prints it line by line.
func expand(secrets []Secret) []Secret {
	var out []Secret
	for _, s := range secrets {
		if len(s.Value) >= MinLen {
			out = append(out, s)
		}
		if strings.ContainsAny(s.Value, "\r\n") {
			for _, l := range strings.FieldsFunc(s.Value, func(r rune) bool { return r == '\n' || r == '\r' }) {
				if len(l) >= MinLen {
					out = append(out, Secret{s.Kind + " (a line of it)", l})
				}
			}
		}
	}
	return out
}

// Find returns the first place each secret appears in data, in any form.
func Find(data []byte, secrets []Secret) []Hit { return find(data, needles(secrets)) }

func find(data []byte, ns []needle) []Hit {
	found := map[string]bool{} // by secret value: one hit each
	var hits []Hit
	for _, n := range ns {
		if found[n.secret.Value] {
			continue
		}
		i := bytes.Index(data, []byte(n.form.Text))
		if i < 0 {
			continue
		}
		found[n.secret.Value] = true
		start := bytes.LastIndexByte(data[:i], '\n') + 1
		end := bytes.IndexByte(data[i:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += i
		}
		hits = append(hits, Hit{
			Secret: n.secret, Form: n.form.Name,
			Line: bytes.Count(data[:i], []byte("\n")) + 1,
			Text: elide(string(data[start:end]), ns),
		})
	}
	return hits
}

// elide replaces every form of every secret in line, and shortens it.
func elide(line string, ns []needle) string {
	for _, n := range ns {
		line = strings.ReplaceAll(line, n.form.Text, "[…]")
	}
	if r := []rune(line); len(r) > 200 {
		line = string(r[:200]) + "…"
	}
	return fmt.Sprintf("%q", line)
}
