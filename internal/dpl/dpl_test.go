package dpl

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

const key = "HRKU-0f1e2d3c-SECRET-4b5a6978"

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestParse(t *testing.T) {
	none := env(nil)
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want Plan
	}{
		{"v1, GitLab's old recipe", []string{"--provider=heroku", "--app=my-app", "--api-key=" + key}, nil,
			Plan{Syntax: "v1", App: "my-app", APIKey: key, APIKeyFrom: "--api-key", Strategy: "api"}},
		{"v1, underscores, strategy, version, runs, ignored", []string{"--provider=heroku", "--strategy=api", "--app=my-app", "--api_key=" + key,
			"--version=abc123", "--run=restart", "--run=rake db:migrate", "--skip_cleanup", "--fold=true", "--log-level=info"}, nil,
			Plan{Syntax: "v1", App: "my-app", APIKey: key, APIKeyFrom: "--api-key", Strategy: "api", SourceVersion: "abc123",
				Run: []string{"restart", "rake db:migrate"}, Ignored: []string{"--skip_cleanup", "--fold", "--log_level"}}},
		{"v1, --log_level=debug", []string{"--provider=Heroku", "--app=my-app", "--api-key=" + key, "--log_level=debug"}, nil,
			Plan{Syntax: "v1", App: "my-app", APIKey: key, APIKeyFrom: "--api-key", Strategy: "api", Verbose: true}},
		{"v2, GitLab's current docs", []string{"heroku", "api", "--app=my-app-staging", "--api_key=" + key}, nil,
			Plan{Syntax: "v2", App: "my-app-staging", APIKey: key, APIKeyFrom: "--api-key", Strategy: "api"}},
		{"v2, spaces, git strategy", []string{"heroku", "git", "--app", "my-app", "--api-key", key, "--run", "restart", "--cleanup", "--edge", "--stage", "deploy"}, nil,
			Plan{Syntax: "v2", App: "my-app", APIKey: key, APIKeyFrom: "--api-key", Strategy: "git", Run: []string{"restart"},
				Ignored: []string{"--cleanup", "--edge", "--stage"}}},
		{"v2, from variables", []string{"heroku"}, map[string]string{"HEROKU_API_KEY": key, "HEROKU_APP": "my-app", "HEROKU_VERSION": "v9", "HEROKU_STRATEGY": "git"},
			Plan{Syntax: "v2", App: "my-app", APIKey: key, APIKeyFrom: "HEROKU_API_KEY", Strategy: "git", SourceVersion: "v9"}},
		{"v2, the command line wins", []string{"heroku", "api", "--app=mine"}, map[string]string{"HEROKU_API_KEY": key, "HEROKU_APP": "theirs"},
			Plan{Syntax: "v2", App: "mine", APIKey: key, APIKeyFrom: "HEROKU_API_KEY", Strategy: "api"}},
		{"v2 through --provider heroku", []string{"--provider", "heroku", "--app", "my-app", "--api_key", key}, nil,
			Plan{Syntax: "v2", App: "my-app", APIKey: key, APIKeyFrom: "--api-key", Strategy: "api"}},
		{"v1 reads no variables", []string{"--provider=heroku", "--app=my-app", "--api-key="}, map[string]string{"HEROKU_API_KEY": key},
			Plan{Syntax: "v1", App: "my-app", APIKey: "", APIKeyFrom: "--api-key", Strategy: "api"}},
		{"help", []string{"--provider=heroku", "--help"}, nil, Plan{Help: true}},
		{"version", []string{"--version"}, nil, Plan{ShowVersion: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lookup := none
			if tc.env != nil {
				lookup = env(tc.env)
			}
			got, err := Parse(tc.args, lookup)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "no provider"},
		{[]string{"--app=my-app"}, "no provider"},
		{[]string{"--provider=s3", "--bucket=b"}, `provider "s3" is not emulated`},
		{[]string{"--provider=heroku", "--api-key=" + key}, "--app is required"},
		{[]string{"--provider=heroku", "--app=", "--api-key=" + key}, "--app is required"},
		{[]string{"--provider=heroku", "--app=my-app"}, "no API key"},
		{[]string{"--provider=heroku", "--app", "my-app", "--api-key=" + key}, "--app has no value"},
		{[]string{"--provider=heroku", "--app=my-app", "--api-key", key}, "--api_key has no value"},
		{[]string{"heroku", "api", "--app=my-app", "--api_key"}, "--api_key has no value"},
		{[]string{"heroku", "api", "--app=my-app", "--api_key", "--run=restart"}, "--api_key has no value"},
		{[]string{"--provider=heroku", "--app=my-app", "--api-key=" + key, "--username=me", "--password=pw"}, "--username: dpl's git strategy"},
		{[]string{"heroku", "git", "--app=my-app", "--user=me"}, "--user: dpl's git strategy"},
		{[]string{"--provider=heroku", "--app=my-app", "--api-key=" + key, "--strategy=anvil"}, "--strategy=anvil"},
		{[]string{"heroku", "api", "--strategy=git", "--app=a", "--api_key=" + key}, "the strategy is given twice"},
		{[]string{"--provider=heroku", "--app=a", "--app=b", "--api-key=" + key}, "--app is given twice"},
		{[]string{"--provider=heroku", "--app=a", "--api-key=" + key, "--skip_deploy"}, "--skip_deploy is not an option"},
		{[]string{"--provider=heroku", "--app=a", "--api-key=" + key, "--run="}, "--run is empty"},
	} {
		_, err := Parse(tc.args, env(nil))
		var de *outcome.Error
		if !errors.As(err, &de) || de.Kind != outcome.BadInput || !strings.Contains(de.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.args, err, tc.want)
			continue
		}
		if strings.Contains(err.Error()+strings.Join(de.Hints, ""), key) || strings.Contains(err.Error(), "pw") {
			t.Errorf("%q: the error repeats a secret: %v", tc.args, err)
		}
	}
}

func TestSecrets(t *testing.T) {
	got := Secrets([]string{"--provider=heroku", "--api-key=a1", "--api_key", "b2", "--password=c3", "heroku", "--app=x", "--api-key"})
	if want := []string{"a1", "b2", "c3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Secrets = %q, want %q", got, want)
	}
}

func TestGem(t *testing.T) {
	for _, ok := range [][]string{
		{"install", "dpl"}, {"install", "dpl", "--pre"}, {"install", "dpl", "-v", "1.10.16"}, {"install", "--no-document", "dpl"},
		{"install", "dpl", "--version", "~> 2.0"}, {"install", "dpl", "dpl-heroku"}, {"install", "dpl:1.10.16"},
	} {
		if err := Gem(ok); err != nil {
			t.Errorf("gem %q: %v", ok, err)
		}
	}
	for _, bad := range [][]string{nil, {"list"}, {"install"}, {"install", "rails"}, {"install", "dpl", "faraday"}, {"--version"}} {
		if err := Gem(bad); err == nil {
			t.Errorf("gem %q accepted", bad)
		}
	}
}
