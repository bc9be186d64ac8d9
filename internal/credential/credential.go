// Package credential reads secrets (the Heroku API key, a GitLab token)
// by the name of the variable that holds them, never from an argument:
// the name is checked, the variable read, the value checked for what an
// HTTP header can carry and registered with the redactor before anything
// can print it. Nothing it says repeats a value, or a name that may be one.
//
// Every variable is read in Reader.Var: a value that starts with "/" is
// the path of a file that holds the secret (a file-type variable, and how
// GitLab's secrets: from Vault, AWS, GCP and Azure arrive by default), and
// the secret is the file's content (File). A source registry's
// credentials, read by the variables GitLab and Docker name, come through
// Reader.Registry, which reads a DOCKER_AUTH_CONFIG file the same way.
package credential

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"

	"gitlab.com/heroku-deploy/heroku/internal/configvars"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/registry"
)

// Spec describes a credential, for messages.
type Spec struct {
	Flag    string // what names the variable: "--api-key-var"
	Example string // a usual name: "HEROKU_API_KEY"
	Noun    string // "key"
	Holds   string // what the variable must hold: "the Heroku API key"
}

// The credentials heroku-deploy reads.
var (
	HerokuKey   = Spec{Flag: "--api-key-var", Example: "HEROKU_API_KEY", Noun: "key", Holds: "the Heroku API key"}
	GitLabToken = Spec{Flag: "--gitlab-token-var", Example: "GITLAB_REVIEW_TOKEN", Noun: "token", Holds: "a GitLab access token (read_api)"}
	JobToken    = Spec{Flag: "CI_JOB_TOKEN", Example: "CI_JOB_TOKEN", Noun: "token", Holds: "the job's token"}
)

// Reader reads credentials from an environment.
type Reader struct {
	Lookup   func(string) (string, bool)
	Register func(...string) // the redactor's Add
}

// Var reads the credential in the variable name and checks it (Check):
// its value, or the content of the file it names (File).
func (r *Reader) Var(name string, sp Spec) (string, error) {
	if !configvars.IsVarName(name) {
		// The value is not repeated: it may be a key pasted by mistake.
		return "", outcome.Input(fmt.Sprintf("%s is not a variable name (what was given is not shown: it may be a %s)", sp.Flag, sp.Noun),
			fmt.Sprintf("pass the NAME of the variable that holds the %s (e.g. %s), never the %[1]s itself", sp.Noun, sp.Example))
	}
	v, ok := r.Lookup(name)
	if !ok {
		return "", outcome.Input(fmt.Sprintf("%s is not set: it must hold %s", name, sp.Holds),
			fmt.Sprintf("create a masked CI/CD variable named %s (Settings > CI/CD > Variables)", name),
			"a protected variable is only visible to pipelines on protected branches and tags")
	}
	return r.Value(name, v, sp)
}

// Value checks the credential v found in name (a variable, or where else
// it was given, such as dpl's --api-key=$VAR, which the shell expanded):
// v itself (Check), or, when it is a path (IsPath), the content of the
// file it names.
func (r *Reader) Value(name, v string, sp Spec) (string, error) {
	if !IsPath(v) {
		return r.Check(name, v, sp)
	}
	content, err := File(name, v)
	if err != nil {
		return "", err
	}
	if content == "" {
		return "", outcome.Input(fmt.Sprintf("%s names a file (a file-type variable), and the file is empty: it must hold %s", name, sp.Holds),
			"a file-type variable's value is written to the file: give it one in Settings > CI/CD > Variables; from secrets:, the secret manager gave nothing (an empty secret, or a field it does not have)",
			"as a protected variable is empty on unprotected branches, a protected file-type variable gives an empty file there: protect the branch or unprotect the variable")
	}
	return r.Check("the file "+name+" names", content, sp)
}

// IsPath reports whether a variable's value is the path of a file that
// holds the secret: it starts with "/", which no Heroku key (hex, or
// HRKU-…), GitLab token (glpat-…, glcbt-…) or DOCKER_AUTH_CONFIG (JSON)
// does, and which GitLab's file-type variables and secrets: always give
// (an absolute path under the job's temporary directory).
func IsPath(v string) bool { return strings.HasPrefix(v, "/") }

// maxFile bounds what a secret's file may hold: a key is tens of bytes, a
// DOCKER_AUTH_CONFIG a few kilobytes.
const maxFile = 64 << 10

// File reads the secret in the file path, which variable name holds: its
// content, one trailing newline dropped (an editor's, or echo's). It never
// blocks (a FIFO, a device: refused, as a directory is) and never says the
// content, nor the path (the variable's value). A file that cannot be read
// is input refused, naming the variable.
func File(name, path string) (string, error) {
	refuse := func(why string) error {
		return outcome.Input(fmt.Sprintf("%s names a file (a file-type variable), which %s: the secret it should hold was not read", name, why),
			fmt.Sprintf("a value of %s that starts with / is read as the path of a file; GitLab writes a file-type variable's (and secrets:') value there when the job starts", name))
	}
	// O_NONBLOCK: opening a FIFO with no writer would wait forever.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", refuse("does not exist")
	case errors.Is(err, fs.ErrPermission):
		return "", refuse("this job may not read (permission denied)")
	case err != nil:
		return "", refuse("cannot be opened")
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return "", refuse("cannot be read")
	case fi.IsDir():
		return "", refuse("is a directory")
	case !fi.Mode().IsRegular():
		return "", refuse("is not a regular file (a FIFO, a device or a socket)")
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	switch {
	case err != nil:
		return "", refuse("cannot be read")
	case len(b) > maxFile:
		return "", refuse(fmt.Sprintf("holds more than %d KiB, more than any secret", maxFile>>10))
	}
	v := strings.TrimSuffix(string(b), "\n")
	return strings.TrimSuffix(v, "\r"), nil // a CRLF is one line break too
}

// Check checks a credential found in name (a variable, or where else it
// was given) can go into an HTTP header, and registers it with the
// redactor.
func (r *Reader) Check(name, v string, sp Spec) (string, error) {
	isNot := sp.Holds // what a bad value is not: "a Heroku API key"
	if rest, ok := strings.CutPrefix(sp.Holds, "the "); ok {
		isNot = "a " + rest
	}
	switch {
	case v == "":
		return "", outcome.Input(fmt.Sprintf("%s is set but empty", name),
			"a protected variable is empty in pipelines on unprotected branches: protect the branch or unprotect the variable")
	case strings.TrimSpace(v) != v:
		return "", outcome.Input(fmt.Sprintf("%s has leading or trailing whitespace (a newline?): it was not sent", name),
			"edit the variable and remove the surrounding whitespace")
	case strings.ContainsAny(v, " \t\r\n"):
		return "", outcome.Inputf("%s contains whitespace: it is not %s", name, isNot)
	case strings.IndexFunc(v, func(r rune) bool { return r < '!' || r > '~' }) >= 0:
		// An HTTP header cannot carry it: every request would fail.
		return "", outcome.Inputf("%s contains a control or non-ASCII character: it is not %s", name, isNot)
	}
	if r.Register != nil {
		r.Register(v)
	}
	return v, nil
}

// Registry reads the credentials for pulling image ref from the job's
// variables (registry.ForSource: the job token for $CI_REGISTRY, else
// DOCKER_AUTH_CONFIG's entry for ref's registry, else none) and registers
// every secret in them with the redactor before anything can print it.
// A reference that does not parse, or a DOCKER_AUTH_CONFIG that cannot be
// read, is registry's typed error (input refused; never the value).
func (r *Reader) Registry(ref string) (registry.Credentials, error) {
	// A file-type DOCKER_AUTH_CONFIG (JSON never starts with "/") or
	// CI_REGISTRY_PASSWORD holds the path of the file that holds it.
	files := map[string]string{}
	for _, name := range []string{"DOCKER_AUTH_CONFIG", "CI_REGISTRY_PASSWORD"} {
		if v, _ := r.Lookup(name); IsPath(v) {
			content, err := File(name, v)
			if err != nil {
				return registry.Credentials{}, err
			}
			files[name] = content
		}
	}
	c, err := registry.ForSource(ref, func(name string) string {
		if v, ok := files[name]; ok {
			return v
		}
		v, _ := r.Lookup(name)
		return v
	})
	if err != nil || r.Register == nil {
		return c, err
	}
	for _, v := range []string{c.Password, c.IdentityToken, c.RegistryToken} {
		if v != "" {
			r.Register(v)
		}
	}
	return c, nil
}

// VarRef is the name in a reference to a variable, $NAME or ${NAME}: the
// component's api_key_variable input takes one, as written after dpl's
// --api-key=, and passes it unexpanded. Anything else is returned as it is.
func VarRef(s string) string {
	name, ok := strings.CutPrefix(s, "$")
	if inner, braced := strings.CutPrefix(name, "{"); ok && braced {
		name, ok = strings.CutSuffix(inner, "}")
	}
	if ok && configvars.IsVarName(name) {
		return name
	}
	return s
}

// CheckURL checks the URL in variable name, to which secret (what travels
// with each request: "the API key") will be sent: https, or plain http
// only to a loopback address (a simulator), so that it never crosses a
// network in clear text. It returns the URL without a final slash.
func CheckURL(name, raw, secret string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", outcome.Inputf("%s %q is not an http(s) URL", name, herokuapi.Redact(raw))
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", outcome.Inputf("%s must not carry a query, fragment or credentials", name)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return "", outcome.Input(fmt.Sprintf("%s uses plain http to %s: refused, %s would travel unencrypted", name, u.Hostname(), secret),
			"use https://, or http:// only to a loopback address such as 127.0.0.1")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
