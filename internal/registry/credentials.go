package registry

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// Credentials for one registry; the zero value is anonymous.
type Credentials struct {
	Username, Password string
	// IdentityToken is DOCKER_AUTH_CONFIG's "identitytoken", an OAuth2
	// refresh token exchanged at the Bearer realm.
	IdentityToken string
	// RegistryToken is DOCKER_AUTH_CONFIG's "registrytoken", a Bearer
	// token sent as it is.
	RegistryToken string
	// From says where they came from, for messages ("CI_REGISTRY_USER",
	// "DOCKER_AUTH_CONFIG", "anonymous"); never a value.
	From string
}

// Heroku is the credentials of Heroku's registry: Basic with "_" and the
// API key, as `heroku container:login` hands them to `docker login`
// (heroku/cli src/commands/container/login.ts).
func Heroku(key string) Credentials {
	return Credentials{Username: "_", Password: key, From: "HEROKU_API_KEY"}
}

// secrets is every form of the credentials that could reach a log line:
// the values and the Basic header's base64.
func (c Credentials) secrets() []string {
	var out []string
	for _, s := range []string{c.Password, c.IdentityToken, c.RegistryToken} {
		if s != "" {
			out = append(out, s)
		}
	}
	if c.Password != "" {
		out = append(out, base64.StdEncoding.EncodeToString([]byte(c.Username+":"+c.Password)))
	}
	return out
}

func (c Credentials) authenticator() authn.Authenticator {
	if c == (Credentials{From: c.From}) {
		return authn.Anonymous
	}
	return authn.FromConfig(authn.AuthConfig{
		Username:      c.Username,
		Password:      c.Password,
		IdentityToken: c.IdentityToken,
		RegistryToken: c.RegistryToken,
	})
}

// ConfigError is a DOCKER_AUTH_CONFIG or CI_REGISTRY that cannot be read:
// bad usage, found before anything changed. It never quotes the value.
type ConfigError struct {
	Variable string
	Problem  string
}

func (e *ConfigError) Error() string { return e.Variable + ": " + e.Problem }

// ForSource picks the credentials for pulling ref from the job's
// variables, read through getenv:
//   - a reference under $CI_REGISTRY: CI_REGISTRY_USER/CI_REGISTRY_PASSWORD
//     (the job token, scoped to the job's project registry; GitLab's
//     doc/ci/jobs/ci_job_token.md), when both are set;
//   - otherwise DOCKER_AUTH_CONFIG's "auths" entry for the reference's
//     registry, when the variable is set ("auth" as base64 user:password,
//     or "username"/"password", or the tokens);
//   - otherwise anonymous.
//
// Credential helpers and credsStore in DOCKER_AUTH_CONFIG are not run:
// nothing is executed to find a password.
func ForSource(ref string, getenv func(string) string) (Credentials, error) {
	r, err := name.ParseReference(ref, name.WeakValidation)
	if err != nil {
		return Credentials{}, &RefError{Ref: ref, Err: err}
	}
	host := normalHost(r.Context().RegistryStr())
	if ci := getenv("CI_REGISTRY"); ci != "" && normalHost(hostOf(ci)) == host {
		user, pass := getenv("CI_REGISTRY_USER"), getenv("CI_REGISTRY_PASSWORD")
		if user != "" && pass != "" {
			return Credentials{Username: user, Password: pass, From: "CI_REGISTRY_USER"}, nil
		}
	}
	if raw := getenv("DOCKER_AUTH_CONFIG"); raw != "" {
		c, ok, err := fromDockerConfig(raw, host)
		if err != nil || ok {
			return c, err
		}
	}
	return Credentials{From: "anonymous"}, nil
}

// dockerConfig is the part of ~/.docker/config.json that DOCKER_AUTH_CONFIG
// carries (GitLab: doc/ci/docker/using_docker_images.md).
type dockerConfig struct {
	Auths map[string]struct {
		Auth          string `json:"auth"`
		Username      string `json:"username"`
		Password      string `json:"password"`
		IdentityToken string `json:"identitytoken"`
		RegistryToken string `json:"registrytoken"`
	} `json:"auths"`
}

func fromDockerConfig(raw, host string) (Credentials, bool, error) {
	var cfg dockerConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return Credentials{}, false, &ConfigError{Variable: "DOCKER_AUTH_CONFIG", Problem: "not a JSON object with an \"auths\" map"}
	}
	for key, a := range cfg.Auths {
		if normalHost(hostOf(key)) != host {
			continue
		}
		c := Credentials{Username: a.Username, Password: a.Password, IdentityToken: a.IdentityToken, RegistryToken: a.RegistryToken, From: "DOCKER_AUTH_CONFIG"}
		if a.Auth != "" {
			dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(a.Auth))
			user, pass, ok := strings.Cut(string(dec), ":")
			if err != nil || !ok {
				return Credentials{}, false, &ConfigError{Variable: "DOCKER_AUTH_CONFIG", Problem: fmt.Sprintf("the \"auth\" of %q is not base64 of user:password", key)}
			}
			c.Username, c.Password = user, pass
		}
		return c, true, nil
	}
	return Credentials{}, false, nil
}

// hostOf takes the host of a registry as written in CI_REGISTRY or as an
// auths key: "registry.example.com", "registry.example.com:5000",
// "https://index.docker.io/v1/".
func hostOf(s string) string {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") {
		if u, err := url.Parse(s); err == nil {
			return u.Host
		}
	}
	h, _, _ := strings.Cut(s, "/")
	return h
}

// normalHost folds Docker Hub's names into one, as ggcr and docker do.
func normalHost(h string) string {
	h = strings.ToLower(h)
	switch h {
	case "docker.io", "index.docker.io", "registry-1.docker.io":
		return name.DefaultRegistry
	}
	return h
}

// RefError is an image reference that does not parse: bad usage.
type RefError struct {
	Ref string
	Err error
}

func (e *RefError) Error() string { return fmt.Sprintf("image reference %q: %v", e.Ref, e.Err) }
func (e *RefError) Unwrap() error { return e.Err }
