package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/ignore"
)

type entry struct {
	typ  byte
	mode int64
	link string
	body string
}

func readTar(t *testing.T, r io.Reader) (names []string, entries map[string]entry) {
	t.Helper()
	gz, err := gzip.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	entries = map[string]entry{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		names = append(names, h.Name)
		entries[h.Name] = entry{h.Typeflag, h.Mode, h.Linkname, string(b)}
		if !h.ModTime.Equal(modTime) {
			t.Errorf("%s: mtime %v, want %v", h.Name, h.ModTime, modTime)
		}
	}
	return names, entries
}

func write(t *testing.T, dir, name, body string, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func TestWriteContents(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "b.txt", "b", 0o644)
	write(t, dir, "a/run.sh", "#!/bin/sh\n", 0o755)
	write(t, dir, ".git/HEAD", "ref", 0o644)
	write(t, dir, "sub/.git", "gitdir: x", 0o644)
	write(t, dir, "logs/x.log", "log", 0o644)
	write(t, dir, "empty", "", 0o600)
	if err := os.Symlink("../../etc/passwd", filepath.Join(dir, "outside")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	sock, err := net.Listen("unix", filepath.Join(dir, "sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()

	m, _ := ignore.New([]string{"logs/"})
	var warnings []string
	var buf bytes.Buffer
	stats, err := writeTarball(context.Background(), &buf, Options{Dir: dir, Exclude: m, Warn: func(s string) { warnings = append(warnings, s) }})
	if err != nil {
		t.Fatal(err)
	}
	names, entries := readTar(t, &buf)
	want := []string{"a/", "a/run.sh", "b.txt", "empty", "outside", "sub/"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("entries %v, want %v", names, want)
	}
	if e := entries["a/run.sh"]; e.mode != 0o755 || e.body != "#!/bin/sh\n" {
		t.Errorf("run.sh: %+v", e)
	}
	if e := entries["empty"]; e.mode != 0o600 {
		t.Errorf("empty: mode %o", e.mode)
	}
	if e := entries["outside"]; e.typ != tar.TypeSymlink || e.link != "../../etc/passwd" {
		t.Errorf("symlink stored as %+v, want a link, not followed", e)
	}
	if stats.Skipped != 2 || len(warnings) != 2 || !strings.Contains(strings.Join(warnings, "\n"), "fifo: a named pipe") {
		t.Errorf("skipped %d, warnings %q", stats.Skipped, warnings)
	}
	for _, n := range names {
		if strings.HasPrefix(n, "/") || strings.Contains(n, "..") {
			t.Errorf("entry %q escapes the archive root", n)
		}
	}
}

func TestDeterministic(t *testing.T) {
	dir := t.TempDir()
	for i, n := range []string{"z", "a", "m/n", "m/a"} {
		write(t, dir, n, strings.Repeat("x", i*1000), 0o644)
	}
	r1, err := Create(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Remove()
	// Touch every file: mtimes must not change the bytes.
	os.Chtimes(filepath.Join(dir, "z"), modTime.AddDate(5, 0, 0), modTime.AddDate(5, 0, 0))
	r2, err := Create(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Remove()
	if r1.SHA256 != r2.SHA256 || r1.Size != r2.Size {
		t.Fatalf("same tree gave different archives: %s/%d vs %s/%d", r1.SHA256, r1.Size, r2.SHA256, r2.Size)
	}
	b, _ := os.ReadFile(r1.Path)
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != r1.SHA256 || int64(len(b)) != r1.Size {
		t.Fatalf("reported hash/size do not match the file")
	}
	if err := r1.Remove(); err != nil {
		t.Fatal(err)
	}
}

func TestInputErrors(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Log("running as root: unreadable-file case checked by permission bits only where root is denied")
	}
	empty := t.TempDir()
	write(t, empty, ".git/config", "x", 0o644)
	_, err := writeTarball(context.Background(), io.Discard, Options{Dir: empty})
	var ie *InputError
	if err == nil || !strings.Contains(err.Error(), "nothing to deploy") {
		t.Fatalf("empty tree: %v", err)
	}
	_, err = writeTarball(context.Background(), io.Discard, Options{Dir: filepath.Join(empty, "missing")})
	if !asInput(err, &ie) {
		t.Fatalf("missing dir: want InputError, got %v", err)
	}
}

func asInput(err error, target **InputError) bool {
	e, ok := err.(*InputError)
	if ok {
		*target = e
	}
	return ok
}

// TestCancelInsideALargeFile: a stop is noticed inside a file, not only
// between files: packing stops within a second in a 3 GiB file.
func TestCancelInsideALargeFile(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(3 << 30); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err = Create(ctx, Options{Dir: dir})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if took := time.Since(start) - 200*time.Millisecond; took > time.Second {
		t.Errorf("stopped %s after the cancel, want under 1s", took)
	}
}

// TestFullDiskIsTheTemporaryFile: a write that fails (a full TMPDIR) is
// reported as the temporary archive's, not as a file that cannot be read.
func TestFullDiskIsTheTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.txt", strings.Repeat("data ", 100000), 0o644)
	full := &countingWriter{w: writerFunc(func([]byte) (int, error) { return 0, syscall.ENOSPC }), dir: "/tmp/x"}
	_, err := writeTarball(context.Background(), full, Options{Dir: dir})
	var te *TempError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v (%T), want *TempError", err, err)
	}
	if got := err.Error(); got != "write the temporary archive in /tmp/x: no space left on device" {
		t.Errorf("message %q", got)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
