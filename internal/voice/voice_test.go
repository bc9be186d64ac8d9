package voice

import (
	"bytes"
	"errors"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/redact"
)

// TestReport: an error and its hints, one line each under the prefix, a
// line break inside a message kept on its line, the secret masked, and
// the outcome's exit code returned (1 for an error without a kind).
func TestReport(t *testing.T) {
	var out bytes.Buffer
	red := &redact.Redactor{}
	red.Add("s3cr3t-value")
	v := &Voice{W: &out, Redact: red}
	code := v.Report(outcome.Input("bad flag\nsecond line s3cr3t-value", "try this"))
	if code != outcome.BadInput.Code() {
		t.Errorf("code %d, want %d", code, outcome.BadInput.Code())
	}
	if got := v.Report(errors.New("plain")); got != outcome.Failed.Code() {
		t.Errorf("a plain error: code %d, want %d", got, outcome.Failed.Code())
	}
	if got := v.Report(nil); got != 0 {
		t.Errorf("nil: code %d, want 0", got)
	}
	v.Warn("careful")
	want := "heroku-deploy: error: bad flag second line [REDACTED]\n" +
		"heroku-deploy: hint: try this\n" +
		"heroku-deploy: error: plain\n" +
		"heroku-deploy: warning: careful\n"
	if out.String() != want {
		t.Errorf("printed:\n%s\nwant:\n%s", out.String(), want)
	}
}
