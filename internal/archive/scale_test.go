package archive

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The scale test packs a large tree in a child process, so that the kernel's
// peak-RSS figure for that process is the packer's and nothing else's.
const scaleChildEnv = "ARCHIVE_SCALE_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(scaleChildEnv); dir != "" {
		res, err := Create(context.Background(), Options{Dir: dir})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		res.Remove()
		json.NewEncoder(os.Stdout).Encode(res)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const (
	scaleFiles    = 100_000
	scaleBytes    = 2 << 30
	scaleMaxRSS   = 100 << 20
	scaleBigFiles = 16
)

// TestScaleMemory packs 100 000 files and 2 GiB and requires the packing
// process to peak under 100 MB of resident memory: memory must not grow with
// the tree, nor with the runner's cores (the child runs with GOMAXPROCS=64).
// The 2 GiB sit in sparse files (holes read as zeros, so the test needs
// little disk), each with 1 MiB of random bytes every 32 MiB so the
// compressor also sees incompressible data.
func TestScaleMemory(t *testing.T) {
	if testing.Short() {
		// A memory bound, measured on the real binary: the race detector
		// (the -short run in .ci/run) multiplies memory several times.
		t.Skip("a peak-memory measurement: skipped under -short")
	}
	dir := scaleDir(t)
	small := scaleFiles - scaleBigFiles
	r := rand.New(rand.NewPCG(3, 4))
	line := []byte("module.exports = function handler(req, res) { res.end('ok') }\n")
	var smallBytes int64
	for i := range small {
		if i%1000 == 0 {
			if err := os.MkdirAll(filepath.Join(dir, "src", fmt.Sprintf("m%03d", i/1000)), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		p := filepath.Join(dir, "src", fmt.Sprintf("m%03d", i/1000), fmt.Sprintf("f%05d.js", i))
		body := line[:16+r.IntN(len(line)-16)]
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
		smallBytes += int64(len(body))
	}
	noise := make([]byte, 1<<20)
	per := int64(scaleBytes) / scaleBigFiles
	for i := range scaleBigFiles {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("blob%02d.bin", i)))
		if err != nil {
			t.Fatal(err)
		}
		for off := int64(0); off < per; off += 32 << 20 {
			for j := range noise {
				noise[j] = byte(r.Uint32())
			}
			if _, err := f.WriteAt(noise, off); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.Truncate(per); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}

	start := time.Now()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), scaleChildEnv+"="+dir, "GOMAXPROCS=64")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("packing child: %v", err)
	}
	var res Result
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("child output %q: %v", out, err)
	}
	wantFiles := scaleFiles + 1 + (small+999)/1000 // files, src/, src/mNNN/
	if res.Stats.Files != wantFiles || res.Stats.Bytes != smallBytes+scaleBytes {
		t.Fatalf("packed %d entries and %d bytes, want %d and %d", res.Stats.Files, res.Stats.Bytes, wantFiles, smallBytes+scaleBytes)
	}
	elapsed := time.Since(start)
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
	t.Logf("%d entries, %.2f GiB -> %.1f MiB archive in %v; peak RSS %.1f MiB (limit %d MiB)",
		res.Stats.Files, float64(res.Stats.Bytes)/(1<<30), float64(res.Size)/(1<<20), elapsed.Round(time.Millisecond), float64(rss)/(1<<20), scaleMaxRSS>>20)
	if rss >= scaleMaxRSS {
		t.Errorf("peak RSS %d MiB, want under %d MiB", rss>>20, scaleMaxRSS>>20)
	}
}

// scaleDir is a fresh directory for the 100 000-file tree, in RAM-backed
// /dev/shm when there is one: creating that many inodes on the CI VMs' disks
// was measured at ~0.8 ms each (over a minute), on tmpfs under 2 s. The
// packer reads files either way; only the page cache behind them differs.
func scaleDir(t *testing.T) string {
	// The small files take a 4 KiB page each: ~400 MiB. Containers often
	// mount a 64 MiB /dev/shm; use it only when the tree fits.
	var fs syscall.Statfs_t
	if err := syscall.Statfs("/dev/shm", &fs); err == nil &&
		fs.Bavail*uint64(fs.Bsize) >= 1<<30 && (fs.Files == 0 || fs.Ffree >= 2*scaleFiles) {
		if dir, err := os.MkdirTemp("/dev/shm", "heroku-deploy-scale-*"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}
