package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
)

// What a newcomer meets first: the help, a mistyped fault, the -- mode.
func TestHelpNamesModesAppsAndFaults(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-help"}, &out, &errOut); code != 0 {
		t.Fatalf("-help exited %d", code)
	}
	for _, want := range []string{"-- CMD ARGS", "serve, print HEROKU_API_URL", "demo-app and my-app", "Nothing it serves is real",
		"html", "after", "reset", "hang", "drop=N", "skip=N", "times=N", "ignore-range", "no-web-url"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, errOut.String())
		}
	}
}

func TestBadFaultIsExplained(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"-fault", "GET /apps/* 503 sometimes", "--", "true"}, &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), `herokusim: fault "GET /apps/* 503 sometimes": unknown effect "sometimes"`) {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

// TestMain lets the test binary stand in for a command that exits with a
// given code, so that no shell is needed.
func TestMain(m *testing.M) {
	if code := os.Getenv("HEROKUSIM_TEST_EXIT"); code != "" {
		n, _ := strconv.Atoi(code)
		os.Exit(n)
	}
	os.Exit(m.Run())
}

func TestCommandModeSaysItIsASimulation(t *testing.T) {
	var out, errOut bytes.Buffer
	t.Setenv("HEROKUSIM_TEST_EXIT", "3") // the command: this binary, exiting 3
	code := run([]string{"--", os.Args[0]}, &out, &errOut)
	if code != 3 {
		t.Errorf("exit %d, want the command's 3", code)
	}
	for _, want := range []string{"a simulated Heroku API at http://127.0.0.1:", "apps: demo-app, my-app", "nothing here is deployed for real", "do not exist"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
}
