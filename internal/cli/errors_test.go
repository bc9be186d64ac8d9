package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/archive"
	"gitlab.com/heroku-deploy/heroku/internal/classify"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/health"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/promote"
	"gitlab.com/heroku-deploy/heroku/internal/redact"
	"gitlab.com/heroku-deploy/heroku/internal/release"
	"gitlab.com/heroku-deploy/heroku/internal/voice"
)

// TestEveryErrorIsScrubbed feeds the key and signed URLs into every error
// the tool prints and every server field it quotes: the voice must let
// none through, whoever built the message.
func TestEveryErrorIsScrubbed(t *testing.T) {
	const key = "HRKU-unit-0f1e2d3c-SECRET-4b5a6978"
	const signed = "https://s3.example/bucket/blob?AWSAccessKeyId=AK&Signature=s1gn&Expires=1"
	const stream = "https://build-output.heroku.com/streams/b1?X-Amz-Signature=s7r34m"
	red := &redact.Redactor{}
	red.Add(key)
	red.AddURL(signed)
	var out bytes.Buffer
	v := &voice.Voice{W: &out, Redact: red}
	for _, err := range []error{
		&herokuapi.Error{Method: "GET", Path: "/apps/x", Status: 403, ID: "forbidden", Message: "key " + key + " at " + signed},
		&url.Error{Op: "Get", URL: stream, Err: errors.New("connection reset")},
		&follow.Stopped{Err: errors.New("timed out"), During: "build b1", Note: "could not cancel (" + stream + ")"},
		&follow.Failed{Msg: "release failed: " + key},
		&archive.InputError{Err: fmt.Errorf("read %s: permission denied", key)},
		&archive.TempError{Dir: "/tmp/" + key, Err: errors.New("no space left on device")},
		outcome.Input("bad "+signed, "the hint quotes "+key),
		outcome.Input("usage error quoting "+key, "hint quoting "+stream),
		fmt.Errorf("wrapped: %w", outcome.New(outcome.Unknown, errors.New(signed), key)),
		outcome.Input("app "+key, signed),
		&promote.ProvenanceError{App: "a", Version: 3, Commit: key, Want: signed},
		&release.Ineligible{Msg: "release " + signed},
		&health.Failure{URL: signed, Attempts: 3, Last: "500: " + key},
		outcome.New(outcome.Unsafe, errors.New("safety "+key), stream),
	} {
		// As run reports them: through the mapper, whose hints quote
		// what the command was given.
		v.Report(classify.Of(context.Background(), err, classify.Context{App: key, KeyVar: "HEROKU_API_KEY", APIURL: signed}))
	}
	v.Warn("Heroku: " + key + " " + signed)
	v.Say("http", "GET "+stream+": 200")
	for _, secret := range []string{key, "s1gn", "s7r34m", "AWSAccessKeyId"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("%q got through:\n%s", secret, out.String())
		}
	}
	if n := strings.Count(out.String(), "heroku-deploy: error: "); n != 14 {
		t.Errorf("%d error lines, want 14:\n%s", n, out.String())
	}
}
