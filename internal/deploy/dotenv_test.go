package deploy

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
	r := &Result{App: "my-app", WebURL: "https://my-app-0a1b2c3d4e5f.herokuapp.com/", BuildID: "b1", ReleaseID: "r1", ReleaseVersion: 7}
	if err := WriteDotenv(path, r); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := "HEROKU_APP_NAME=my-app\n" +
		"HEROKU_APP_URL=https://my-app-0a1b2c3d4e5f.herokuapp.com/\n" +
		"HEROKU_BUILD_ID=b1\nHEROKU_RELEASE_ID=r1\nHEROKU_RELEASE_VERSION=7\n"
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
	r := &Result{App: "my-app", WebURL: "https://x.example/\nHEROKU_APP_NAME=evil"}
	err := WriteDotenv(path, r)
	if err == nil || err.Error() != "write dotenv: HEROKU_APP_URL from Heroku contains a line break" {
		t.Fatalf("err = %v", err)
	}
	if _, serr := os.Stat(path); !os.IsNotExist(serr) {
		t.Errorf("a dotenv was written anyway")
	}
}
