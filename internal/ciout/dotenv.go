package ciout

import (
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
	tmp, err := os.CreateTemp(filepath.Dir(path), ".heroku-deploy-dotenv-*")
	if err != nil {
		return fmt.Errorf("write dotenv: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write dotenv: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write dotenv: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write dotenv: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write dotenv: %w", err)
	}
	return nil
}
