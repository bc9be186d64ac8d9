package credential

import "testing"

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
