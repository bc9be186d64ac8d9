package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// WriteDotenv writes the result for GitLab's artifacts:reports:dotenv, so
// environment:url can point at the app's real web_url. It writes a
// temporary file and renames it: a reader never sees half a file.
func WriteDotenv(path string, r *Result) error {
	lines := [][2]string{
		{"HEROKU_APP_NAME", r.App},
		{"HEROKU_APP_URL", r.WebURL},
		{"HEROKU_BUILD_ID", r.BuildID},
		{"HEROKU_RELEASE_ID", r.ReleaseID},
		{"HEROKU_RELEASE_VERSION", strconv.Itoa(r.ReleaseVersion)},
	}
	var b []byte
	for _, l := range lines {
		// GitLab's dotenv parser is line-based: a line break in a value
		// (from an API answer) would smuggle in another variable.
		if strings.ContainsAny(l[1], "\r\n") {
			return fmt.Errorf("write dotenv: %s from Heroku contains a line break", l[0])
		}
		b = fmt.Appendf(b, "%s=%s\n", l[0], l[1])
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
