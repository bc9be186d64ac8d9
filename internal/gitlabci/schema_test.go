package gitlabci

import (
	"errors"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

func TestSchemaIsGitLabs(t *testing.T) {
	testenv.Need(t, "gitlab-ci-local", "node")
	sch, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	// The schema must reject what GitLab rejects and accept what it
	// accepts, or the checks built on it prove nothing.
	for src, wantOK := range map[string]bool{
		"job:\n  script: [echo]\n":                                                  true,
		"job:\n  script: [echo]\n  variables:\n    A: [x]\n":                        false,
		"job:\n  script: [echo]\n  variables:\n    A: {value: x, expand: false}\n":  true,
		"job:\n  script: [echo]\n  variables:\n    A: {value: x, description: d}\n": false,
		"job:\n  script: [echo]\n  image: ''\n":                                     false,
		"spec:\n  inputs:\n    a: {type: string, default: x}\n":                     true,
		// ci.json's per-type "if" holds when "type" is absent, so an input
		// with a default must name its type to pass (the templates do).
		"spec:\n  inputs:\n    a: {default: x}\n":     false,
		"spec:\n  component: [version]\n":             false,
		"spec:\n  description: x\n":                   false,
		"job:\n  script: [echo]\n  when: sometimes\n": false,
		// artifacts:reports:annotations (GitLab 16.3): the schema lacked it
		// until gitlab!155478 (gitlab#461821), and its reports take no
		// unknown key. GitLab itself takes a path or a list of paths
		// (entry/reports.rb, array_of_strings_or_string); the schema a
		// path, which is what the components write.
		"job:\n  script: [echo]\n  artifacts:\n    reports:\n      annotations: heroku-deploy.annotations.json\n": true,
		"job:\n  script: [echo]\n  artifacts:\n    reports:\n      annotations: {path: x}\n":                      false,
		"job:\n  script: [echo]\n  artifacts:\n    reports:\n      annotation: heroku-deploy.annotations.json\n":  false,
		"job:\n  script: [echo]\n  environment: {name: production, action: access}\n":                             true,
		"job:\n  script: [echo]\n  environment: {name: production, action: read}\n":                               false,
	} {
		v, err := LoadOne([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if err := ValidateSchema(sch, v); (err == nil) != wantOK {
			t.Errorf("schema on %q: %v, want ok=%v", src, err, wantOK)
		}
	}
}

func TestPipelineRulesBeyondTheSchema(t *testing.T) {
	for src, want := range map[string]string{
		"job:\n  script: [x]\n  variables:\n    A: true\n":                                                                                                       "must be either a string or a hash",
		"job:\n  script: [x]\n  variables:\n    A: 1.5\n":                                                                                                        "must be either a string or a hash",
		"job:\n  script: [x]\n  variables:\n    A: [a]\n":                                                                                                        "must be either a string or a hash",
		"job:\n  script: [x]\n  variables:\n    A: {value: x, options: [x]}\n":                                                                                   "invalid data keys: options",
		"job:\n  script: [x]\n  variables:\n    A: {value: [x]}\n":                                                                                               "alphanumeric",
		"job:\n  script: [x]\n  image: \"registry.example.com/a/b:\"\n":                                                                                          "not a valid image reference",
		"job:\n  script: [x]\n  image: $NOPE\n":                                                                                                                  "no variable defines",
		"job:\n  script: [x]\n  rules:\n    - if: $CI_COMMIT_BRANCH == main\n":                                                                                   "invalid expression syntax",
		"job:\n  script: [x]\n  stage: nope\n":                                                                                                                   "does not exist",
		"job:\n  script: [x]\n  environment: {name: r/1, on_stop: stop}\n":                                                                                       "on_stop job stop is not defined",
		"job:\n  script: [x]\n  environment: {name: r/1, on_stop: stop}\nstop:\n  script: [x]\n":                                                                 "does not have environment defined",
		"job:\n  script: [x]\n  environment: {name: r/1, on_stop: stop}\nstop:\n  script: [x]\n  environment: {name: r/2, action: stop}\n":                       "have different environment name",
		"job:\n  script: [x]\n  environment: {name: r/1, on_stop: stop}\nstop:\n  script: [x]\n  environment: {name: r/1}\n":                                     "needs to have action stop defined",
		"job:\n  script: [x]\n  environment: {name: r/1, auto_stop_in: a week}\n":                                                                                "auto_stop_in should be a duration",
		"job:\n  script: [x]\n  environment: {name: /r}\n":                                                                                                       "cannot start or end with '/'",
		"job:\n  script: [x]\n  environment: {name: r/1, auto_stop_in: 1 week, on_stop: stop}\nstop:\n  script: [x]\n  environment: {name: r/1, action: stop}\n": "",
		"job:\n  script: [x]\n  variables:\n    A: 1\n    B: {value: x, expand: false}\n  image: {name: \"$R/x:1.2.0\"}\n  stage: deploy\n  rules:\n    - if: $CI_COMMIT_BRANCH == \"main\" && $X =~ /a.b/\n": "",
	} {
		v, err := LoadOne([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if err := errors.Join(CheckPipeline(v.(*Map), map[string]string{"R": "registry.example.com:5000/g/p"})...); err != nil {
			got = err.Error()
		}
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("%q: got %s; want %q", src, got, want)
		}
	}
}

func TestChronicDuration(t *testing.T) {
	for s, want := range map[string]int64{
		"1 week": 604800, "3 mins 4 sec": 184, "2h20min": 8400, "2 hrs 20 min": 8400,
		"6 mos 1 day": 6*2592000 + 86400, "3 weeks and 2 days": 3*604800 + 2*86400, "47 yrs 6 mos and 4d": 47*31557600 + 6*2592000 + 4*86400,
		"2 days 12 hours": 216000, "": 0, "a week": 0, "1 fortnight": 0, "week": 0,
	} {
		if got := chronicDuration(s); got != want {
			t.Errorf("chronicDuration(%q) = %d, want %d", s, got, want)
		}
	}
}
