package credential

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

func TestCheckURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://api.heroku.com/":     true,
		"http://127.0.0.1:5000":       true,
		"http://localhost:5000":       true,
		"http://[::1]:5000":           true,
		"http://api.example.com":      false,
		"ftp://api.heroku.com":        false,
		"api.heroku.com":              false,
		"https://u:p@api.heroku.com":  false,
		"https://api.heroku.com/?x=1": false,
	} {
		if _, err := CheckURL("HEROKU_API_URL", raw, "the API key"); (err == nil) != ok {
			t.Errorf("CheckURL(%q): err=%v, want ok=%v", raw, err, ok)
		}
	}
}

// TestRegistry: a source registry's credentials are read by the variables
// GitLab and Docker name, and every secret in them is registered with the
// redactor before anything can print it; the job token only for
// $CI_REGISTRY's images.
func TestRegistry(t *testing.T) {
	env := map[string]string{
		"CI_REGISTRY": "registry.gitlab.example.com", "CI_REGISTRY_USER": "gitlab-ci-token", "CI_REGISTRY_PASSWORD": "glcbt-job-token-0123456789",
		"DOCKER_AUTH_CONFIG": `{"auths": {"ghcr.io": {"username": "me", "password": "ghp_docker-password-0123"}}}`,
	}
	var registered []string
	r := &Reader{Lookup: func(n string) (string, bool) { v, ok := env[n]; return v, ok }, Register: func(v ...string) { registered = append(registered, v...) }}
	for ref, want := range map[string]struct{ from, secret string }{
		"registry.gitlab.example.com/group/app:v1": {"CI_REGISTRY_USER", "glcbt-job-token-0123456789"},
		"ghcr.io/me/app:v1":                        {"DOCKER_AUTH_CONFIG", "ghp_docker-password-0123"},
		"docker.io/library/alpine:3":               {"anonymous", ""},
	} {
		registered = nil
		c, err := r.Registry(ref)
		if err != nil || c.From != want.from {
			t.Errorf("%s: from %q (%v), want %q", ref, c.From, err, want.from)
		}
		if want.secret != "" && (len(registered) != 1 || registered[0] != want.secret) {
			t.Errorf("%s: registered %q, want its password", ref, registered)
		}
		if want.secret == "" && len(registered) > 0 {
			t.Errorf("%s: registered %q for anonymous access", ref, registered)
		}
	}
}

// TestFileTypeVariable: a value that starts with "/" names the file that
// holds the secret (GitLab's file-type variables, secrets:). Its content,
// one trailing newline dropped, is checked as a key from a variable and
// registered with the redactor; a file that cannot be read is input
// refused naming the variable, never the path or the content, and never
// blocks (a FIFO).
func TestFileTypeVariable(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	const key = "HRKU-file-SECRET-0123456789"
	for _, tc := range []struct {
		name, value string
		want        string // the key, or what the error says
		ok          bool
	}{
		{"newline", write("k1", key+"\n"), key, true},
		{"no newline", write("k2", key), key, true},
		{"CRLF", write("k3", key+"\r\n"), key, true},
		{"two newlines", write("k4", key+"\n\n"), "the file HEROKU_API_KEY names has leading or trailing whitespace", false},
		{"inner space", write("k5", "HRKU-a b"), "the file HEROKU_API_KEY names contains whitespace: it is not a Heroku API key", false},
		{"control", write("k6", "HRKU-\x01"), "the file HEROKU_API_KEY names contains a control or non-ASCII character", false},
		{"empty", write("k7", ""), "HEROKU_API_KEY names a file (a file-type variable), and the file is empty", false},
		{"only a newline", write("k8", "\n"), "and the file is empty", false},
		{"missing", filepath.Join(dir, "nothing"), "HEROKU_API_KEY names a file (a file-type variable), which does not exist", false},
		{"directory", dir, "which is a directory", false},
		{"FIFO", fifo, "which is not a regular file", false},
		{"too big", write("k9", strings.Repeat("a", maxFile+1)), "more than 64 KiB", false},
	} {
		var registered []string
		r := &Reader{Lookup: func(string) (string, bool) { return tc.value, true }, Register: func(v ...string) { registered = append(registered, v...) }}
		done := make(chan struct{})
		var got string
		var err error
		go func() { got, err = r.Var("HEROKU_API_KEY", HerokuKey); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Var blocks", tc.name)
		}
		if tc.ok {
			if err != nil || got != tc.want || len(registered) != 1 || registered[0] != tc.want {
				t.Errorf("%s: %q, %v, registered %q; want %q registered", tc.name, got, err, registered, tc.want)
			}
			continue
		}
		var oe *outcome.Error
		if !errors.As(err, &oe) || oe.Kind != outcome.BadInput || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want input refused: %q", tc.name, err, tc.want)
			continue
		}
		all := err.Error() + strings.Join(oe.Hints, "\n")
		if strings.Contains(all, dir) || strings.Contains(all, "HRKU-") || len(registered) > 0 {
			t.Errorf("%s: the error or its hints name the path or the content, or it was registered: %q, %q", tc.name, all, registered)
		}
	}
}

// TestRegistryFile: DOCKER_AUTH_CONFIG as a file-type variable.
func TestRegistryFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "DOCKER_AUTH_CONFIG")
	os.WriteFile(p, []byte(`{"auths": {"ghcr.io": {"username": "me", "password": "ghp_docker-password-0123"}}}`+"\n"), 0o600)
	env := map[string]string{"DOCKER_AUTH_CONFIG": p}
	var registered []string
	r := &Reader{Lookup: func(n string) (string, bool) { v, ok := env[n]; return v, ok }, Register: func(v ...string) { registered = append(registered, v...) }}
	c, err := r.Registry("ghcr.io/me/app:v1")
	if err != nil || c.From != "DOCKER_AUTH_CONFIG" || c.Password != "ghp_docker-password-0123" || len(registered) != 1 {
		t.Errorf("from %q, password %q (%v), registered %q", c.From, c.Password, err, registered)
	}
	env["DOCKER_AUTH_CONFIG"] = p + ".missing"
	if _, err := r.Registry("ghcr.io/me/app:v1"); err == nil || !strings.Contains(err.Error(), "DOCKER_AUTH_CONFIG names a file (a file-type variable), which does not exist") {
		t.Errorf("a missing file: %v", err)
	}
}
