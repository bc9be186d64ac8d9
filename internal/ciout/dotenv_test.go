package ciout

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteDotenv(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "heroku-deploy.env")
	if err := os.WriteFile(path, []byte("STALE=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := []Var{{"HEROKU_APP_NAME", "my-app"}, {"HEROKU_APP_URL", "https://my-app-0a1b2c3d4e5f.herokuapp.com/"}, {"HEROKU_RELEASE_VERSION", "7"}}
	if err := WriteDotenv(path, vars); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := "HEROKU_APP_NAME=my-app\n" +
		"HEROKU_APP_URL=https://my-app-0a1b2c3d4e5f.herokuapp.com/\n" +
		"HEROKU_RELEASE_VERSION=7\n"
	if string(got) != want {
		t.Errorf("dotenv:\n%s\nwant:\n%s", got, want)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644 (the runner uploads it as an artifact)", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

func TestWriteDotenvRefusesLineBreaks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.env")
	err := WriteDotenv(path, []Var{{"HEROKU_APP_NAME", "my-app"}, {"HEROKU_APP_URL", "https://x.example/\nHEROKU_APP_NAME=evil"}})
	if err == nil || err.Error() != "write dotenv: the value of HEROKU_APP_URL contains a line break" {
		t.Fatalf("err = %v", err)
	}
	if _, serr := os.Stat(path); !os.IsNotExist(serr) {
		t.Errorf("a dotenv was written anyway")
	}
}
