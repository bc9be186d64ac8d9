// Package archive packs a directory into the gzipped tarball Heroku builds
// from: deterministic bytes, symlinks kept as links, written once to a
// temporary file while its SHA-256 is computed, so memory does not grow with
// the size of the tree.
package archive

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/pgzip"

	"gitlab.com/heroku-deploy/heroku/internal/ignore"
)

// modTime is stamped on every entry so the same tree always gives the same
// bytes. 1980-01-01 rather than the Unix epoch: Python's zipfile, used while
// building wheels on Heroku, rejects timestamps before 1980.
var modTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Options say what to pack.
type Options struct {
	Dir     string
	Exclude *ignore.Matcher // nil: only .git is left out
	// Warn receives one line per entry that was skipped.
	Warn func(msg string)

	// self is the archive being written, left out if it lies inside Dir
	// (a TMPDIR inside the directory): packing it would pack a truncated
	// copy of itself.
	self os.FileInfo
}

// level trades a little size for a lot of speed: source trees are small
// next to the slug Heroku builds from them, and level 1 with parallel blocks
// compresses several times faster than gzip -6 (see testdata/bench).
const level = 1

// Stats describe what was written.
type Stats struct {
	Files   int   // regular files, links and directories
	Bytes   int64 // uncompressed bytes of regular files
	Skipped int
}

// Result is a finished archive on disk.
type Result struct {
	Path   string
	Size   int64
	SHA256 string // lowercase hex of the compressed bytes
	Stats  Stats
}

// Remove deletes the temporary file.
func (r *Result) Remove() error {
	live.Delete(r.Path)
	return os.Remove(r.Path)
}

// live holds the temporary archives that exist, for RemoveTemporary.
var live sync.Map

// RemoveTemporary deletes every temporary archive not removed yet. It is
// for a process about to exit at once (a second SIGTERM), which has no
// time to unwind to the deferred Remove.
func RemoveTemporary() {
	live.Range(func(path, _ any) bool {
		os.Remove(path.(string))
		live.Delete(path)
		return true
	})
}

// InputError is a problem with the directory being packed (unreadable file,
// empty tree...), as opposed to a failure writing the archive.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// TempError is a failure to create or write the temporary archive: a
// missing or read-only TMPDIR, a full disk.
type TempError struct {
	Dir string // the temporary directory
	Err error
}

func (e *TempError) Error() string {
	return fmt.Sprintf("write the temporary archive in %s: %v", e.Dir, unwrapPathErr(e.Err))
}
func (e *TempError) Unwrap() error { return e.Err }

// Create packs opts.Dir into a new temporary file in os.TempDir.
func Create(ctx context.Context, opts Options) (*Result, error) {
	tmp := os.TempDir()
	f, err := os.CreateTemp(tmp, "heroku-deploy-*.tgz")
	if err != nil {
		return nil, &TempError{Dir: tmp, Err: err}
	}
	live.Store(f.Name(), true)
	res := &Result{Path: f.Name()}
	if opts.self, err = f.Stat(); err != nil {
		f.Close()
		res.Remove()
		return nil, &TempError{Dir: tmp, Err: err}
	}
	h := sha256.New()
	counter := &countingWriter{w: io.MultiWriter(f, h), dir: tmp}
	stats, werr := writeTarball(ctx, counter, opts)
	cerr := f.Close()
	if werr == nil && cerr != nil {
		werr = &TempError{Dir: tmp, Err: cerr}
	}
	if werr != nil {
		res.Remove()
		return nil, werr
	}
	res.Size, res.SHA256, res.Stats = counter.n, hex.EncodeToString(h.Sum(nil)), stats
	return res, nil
}

// countingWriter counts the archive's bytes; its errors are the temporary
// file's.
type countingWriter struct {
	w   io.Writer
	n   int64
	dir string
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil {
		err = &TempError{Dir: c.dir, Err: err}
	}
	return n, err
}

// sourceReader reads a file being packed: its errors are the file's, and it
// stops when the context ends, even inside a large file.
type sourceReader struct {
	ctx context.Context
	r   io.Reader
}

type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }

func (s *sourceReader) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = &readError{err}
	}
	return n, err
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// writeTarball streams the gzipped tarball of opts.Dir to w.
func writeTarball(ctx context.Context, w io.Writer, opts Options) (Stats, error) {
	var stats Stats
	root, err := filepath.Abs(opts.Dir)
	if err != nil {
		return stats, &InputError{err}
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	gz, err := pgzip.NewWriterLevel(bw, level)
	if err != nil {
		return stats, err
	}
	// 512 KiB blocks, two per core but at most 8 in flight: enough to keep
	// the cores busy (8 blocks outrun any upload link), while memory stays
	// bounded on big runners too. Uncapped, 64 cores peaked at 144 MiB.
	if err := gz.SetConcurrency(512<<10, min(2*runtime.GOMAXPROCS(0), 8)); err != nil {
		return stats, err
	}
	tw := tar.NewWriter(gz)

	walkErr := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return &InputError{fmt.Errorf("read %s: %w", rel(root, p), unwrapPathErr(err))}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == root {
			return nil
		}
		name := filepath.ToSlash(rel(root, p))
		if d.Name() == ".git" {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil // a submodule's .git file
		}
		if opts.Exclude != nil && opts.Exclude.Match(name, d.IsDir()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return &InputError{fmt.Errorf("read %s: %w", name, unwrapPathErr(err))}
		}
		if opts.self != nil && os.SameFile(info, opts.self) {
			return nil // the archive itself, in a TMPDIR inside Dir
		}
		return addEntry(ctx, tw, p, name, info, &stats, opts.Warn)
	})
	if walkErr != nil {
		return stats, walkErr
	}
	if stats.Files == 0 {
		return stats, &InputError{fmt.Errorf("%s has nothing to deploy (empty after excludes)", opts.Dir)}
	}
	if err := tw.Close(); err != nil {
		return stats, writeErr("end", err)
	}
	if err := gz.Close(); err != nil {
		return stats, writeErr("end", err)
	}
	if err := bw.Flush(); err != nil {
		return stats, writeErr("end", err)
	}
	return stats, nil
}

func addEntry(ctx context.Context, tw *tar.Writer, p, name string, info fs.FileInfo, stats *Stats, warn func(string)) error {
	hdr := &tar.Header{
		Name:    name,
		ModTime: modTime,
		Format:  tar.FormatPAX,
	}
	// tar.Header.Mode wants the Unix bits, not Go's fs.FileMode flags.
	hdr.Mode = int64(info.Mode().Perm())
	if info.Mode()&fs.ModeSetuid != 0 {
		hdr.Mode |= 04000
	}
	if info.Mode()&fs.ModeSetgid != 0 {
		hdr.Mode |= 02000
	}
	if info.Mode()&fs.ModeSticky != 0 {
		hdr.Mode |= 01000
	}
	switch {
	case info.Mode().IsRegular():
		hdr.Typeflag = tar.TypeReg
		hdr.Size = info.Size()
	case info.IsDir():
		hdr.Typeflag = tar.TypeDir
		hdr.Name += "/"
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			return &InputError{fmt.Errorf("read link %s: %w", name, unwrapPathErr(err))}
		}
		hdr.Typeflag = tar.TypeSymlink
		hdr.Linkname = target
	default:
		stats.Skipped++
		if warn != nil {
			warn(fmt.Sprintf("skipping %s: %s is not a file, directory or symlink", name, kind(info.Mode())))
		}
		return nil
	}
	var f *os.File
	if hdr.Typeflag == tar.TypeReg {
		// Open even empty files: an unreadable one is as broken as a full one.
		var err error
		if f, err = os.Open(p); err != nil {
			return &InputError{fmt.Errorf("read %s: %w", name, unwrapPathErr(err))}
		}
		defer f.Close()
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return writeErr(name, err)
	}
	stats.Files++
	if f == nil {
		return nil
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	n, err := io.CopyBuffer(tw, &sourceReader{ctx: ctx, r: io.LimitReader(f, hdr.Size)}, *bp)
	if err != nil {
		var re *readError
		if errors.As(err, &re) {
			return &InputError{fmt.Errorf("read %s: %w", name, unwrapPathErr(re.err))}
		}
		return writeErr(name, err)
	}
	if n != hdr.Size {
		return &InputError{fmt.Errorf("read %s: file changed size while being archived", name)}
	}
	stats.Bytes += n
	return nil
}

// writeErr is a failure to write entry name: the temporary file's own
// (TempError), a stop, or the archive format's.
func writeErr(name string, err error) error {
	var te *TempError
	if errors.As(err, &te) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("write archive entry %s: %w", name, err)
}

func rel(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil || r == "." {
		return p
	}
	return r
}

// unwrapPathErr drops the absolute path from *fs.PathError: messages name
// files relative to --dir.
func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeDevice != 0:
		return "a device"
	default:
		return strings.TrimSpace("an irregular file " + m.String())
	}
}

// ErrNotDir is a directory to pack that is not one.
var ErrNotDir = errors.New("is not a directory")

// CheckDir checks dir before anything is packed, and returns it with its
// symlinks resolved: the walk packs exactly what was checked. An error is
// the system's words ("too many levels of symbolic links", "no such file
// or directory"), or ErrNotDir.
func CheckDir(dir string) (string, error) {
	resolved, err := filepath.EvalSymlinks(dir)
	if err != nil {
		if _, serr := os.Stat(dir); serr != nil {
			err = serr // the system's words
		}
		return "", unwrapPathErr(err)
	}
	fi, err := os.Stat(resolved)
	switch {
	case err != nil:
		return "", unwrapPathErr(err)
	case !fi.IsDir():
		return "", ErrNotDir
	}
	return resolved, nil
}
