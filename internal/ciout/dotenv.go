package ciout

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Var is one line of a dotenv report.
type Var struct{ Name, Value string }

// WriteDotenv writes vars for GitLab's artifacts:reports:dotenv, so later
// jobs and environment:url can use them. It writes a temporary file and
// renames it: a reader never sees half a file.
func WriteDotenv(path string, vars []Var) error {
	var b []byte
	for _, v := range vars {
		// GitLab's dotenv parser is line-based: a line break in a value
		// (from an API answer) would smuggle in another variable.
		if strings.ContainsAny(v.Value, "\r\n") {
			return fmt.Errorf("write dotenv: the value of %s contains a line break", v.Name)
		}
		b = fmt.Appendf(b, "%s=%s\n", v.Name, v.Value)
	}
	return writeReport(path, "dotenv", b)
}

// writeReport writes b to path for the runner to upload as a report: a
// temporary file in the same directory, renamed over path, so a reader
// never sees half a file. Errors say "write <what>: …".
func writeReport(path, what string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".heroku-deploy-"+what+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", what, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	return nil
}

// CheckDotenv is CheckReport, for the dotenv report.
func CheckDotenv(path string) error { return CheckReport(path) }

// CheckReport checks, before any change, that path can take a report the
// way writeReport writes it (the dotenv report, the annotations report): a
// temporary file in its directory, renamed over it. So the directory must
// take a new file, and the target, if it exists, must be a regular file
// (opening a FIFO to check it would block until a reader came). The error
// says what path is not.
func CheckReport(path string) error {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return errors.New("is not a regular file")
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".heroku-deploy-report-check-*")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("is not writable: %w", err)
	}
	f.Close()
	return os.Remove(f.Name())
}
