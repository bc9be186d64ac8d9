// Package imagetest builds the Dockerfile offline with buildah, from base
// images it makes locally, and runs the image the way GitLab Runner does:
// with sh, no entrypoint, against the Heroku simulator on loopback.
package imagetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

const (
	image = "localhost/heroku-deploy:test"
	// maxSize is the goal for the uncompressed image.
	maxSize = 15 << 20
	// rubyDplSize is ruby:latest (about 1 GB uncompressed, the image
	// GitLab's Heroku docs use) before dpl and its gems are installed.
	rubyDplSize = 1000 << 20
)

func buildah(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("buildah", args...)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "STORAGE_DRIVER=vfs", "BUILDAH_ISOLATION=chroot")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("buildah %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// bases makes the two base images the Dockerfile takes as arguments: a
// shell base (static busybox + CA bundle) and a Go base (that + this
// machine's Go toolchain, which is statically linked).
func bases(t *testing.T) {
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, d := range []string{"bin", "etc/ssl/certs", "tmp"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	copyFile(t, busybox, filepath.Join(root, "bin/busybox"), 0o755)
	copyFile(t, "/etc/ssl/certs/ca-certificates.crt", filepath.Join(root, "etc/ssl/certs/ca-certificates.crt"), 0o644)
	for _, applet := range []string{"sh", "cat", "ls", "env", "echo", "mkdir", "rm", "cp"} {
		os.Symlink("busybox", filepath.Join(root, "bin", applet))
	}
	c := buildah(t, "from", "scratch")
	buildah(t, "copy", "-q", c, root, "/")
	buildah(t, "config", "--env", "PATH=/usr/local/bin:/bin", c)
	buildah(t, "commit", "-q", c, "localhost/hd-shell-base")
	buildah(t, "rm", c)

	goroot := strings.TrimSpace(run(t, "go", "env", "GOROOT"))
	c = buildah(t, "from", "--pull=never", "localhost/hd-shell-base")
	buildah(t, "copy", "-q", c, goroot, "/usr/local/go")
	buildah(t, "config", "--env", "PATH=/usr/local/go/bin:/usr/local/bin:/bin", "--env", "GOTOOLCHAIN=local",
		"--env", "HOME=/root", "--env", "GOPATH=/root/go", "--env", "GOPROXY="+strings.TrimSpace(run(t, "go", "env", "GOPROXY")), c)
	buildah(t, "commit", "-q", c, "localhost/hd-go-base")
	buildah(t, "rm", c)
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(out)
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
}

func parseSize(t *testing.T, s string) int64 {
	var f float64
	var unit string
	if _, err := fmt.Sscanf(s, "%f %s", &f, &unit); err != nil {
		t.Fatalf("size %q: %v", s, err)
	}
	mult := map[string]float64{"B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9}[unit]
	if mult == 0 {
		t.Fatalf("size %q: unknown unit", s)
	}
	return int64(f * mult)
}

func TestImage(t *testing.T) {
	testenv.Need(t, "buildah", "busybox", "go")
	if testing.Short() {
		t.Skip("builds an image (about a minute)")
	}
	bases(t)
	buildah(t, "bud", "-q", "--pull=never", "--network", "host", "--layers=false",
		"--build-arg", "GO_IMAGE=localhost/hd-go-base", "--build-arg", "BASE_IMAGE=localhost/hd-shell-base",
		"--build-arg", "VERSION=1.2.3-test", "-t", image, ".")

	size := parseSize(t, buildah(t, "images", "--format", "{{.Size}}", image))
	t.Logf("image size %.1f MB; ruby:latest before dpl is about %d MB: %.0fx smaller", float64(size)/1e6, rubyDplSize>>20, float64(rubyDplSize)/float64(size))
	if size > maxSize {
		t.Errorf("image is %d bytes, goal under %d", size, maxSize)
	}
	if ep := buildah(t, "inspect", "--format", "{{.OCIv1.Config.Entrypoint}}", image); ep != "[]" {
		t.Errorf("entrypoint %s, want none (the runner's sh -c must reach a shell)", ep)
	}

	sim, err := herokusim.Start(herokusim.Options{Apps: []string{"my-app", "box:container"}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	c := buildah(t, "from", "--pull=never", image)
	defer buildah(t, "rm", c)
	if v := buildah(t, "run", "--network", "host", c, "sh", "-c", "heroku-deploy --version"); v != "heroku-deploy 1.2.3-test" {
		t.Errorf("--version printed %q", v)
	}
	buildah(t, "copy", "-q", c, "testdata/apps/node-express", "/builds/app")
	script := fmt.Sprintf("cd /builds/app && HEROKU_API_URL=%s HEROKU_API_KEY=%s heroku-deploy deploy --app my-app --dotenv deploy.env && cat deploy.env",
		sim.URL, strconv.Quote(herokusim.DefaultKey))
	out := buildah(t, "run", "--network", "host", c, "sh", "-c", script)
	for _, want := range []string{"Node.js app detected", "==> Deployed my-app: release v3", "HEROKU_RELEASE_VERSION=3"} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy in the image: output lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range herokusim.Secrets() {
		if strings.Contains(out, secret) {
			t.Errorf("deploy in the image: output contains a secret (%.10s…)", secret)
		}
	}
	if n := sim.BuildCount("my-app"); n != 1 {
		t.Errorf("%d builds, want 1", n)
	}

	// dpl and gem answer, links to the one binary: GitLab's old recipe
	// with only the image changed deploys (a second commit: a build).
	if out := buildah(t, "run", c, "sh", "-c", "ls -l /usr/local/bin"); !strings.Contains(out, "dpl -> heroku-deploy") || !strings.Contains(out, "gem -> heroku-deploy") {
		t.Errorf("dpl and gem are not links to heroku-deploy:\n%s", out)
	}
	script = fmt.Sprintf("export HEROKU_API_URL=%s HEROKU_PRODUCTION_KEY=%s CI_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567 && cd /builds/app && gem install dpl && dpl --provider=heroku --app=my-app --api-key=$HEROKU_PRODUCTION_KEY",
		sim.URL, strconv.Quote(herokusim.DefaultKey))
	out = buildah(t, "run", "--network", "host", c, "sh", "-c", script)
	for _, want := range []string{"gem install dpl: nothing to install", "answering as dpl", "==> Deployed my-app: release v4"} {
		if !strings.Contains(out, want) {
			t.Errorf("dpl in the image: output lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range herokusim.Secrets() {
		if strings.Contains(out, secret) {
			t.Errorf("dpl in the image: output contains a secret (%.10s…)", secret)
		}
	}
	if n := sim.BuildCount("my-app"); n != 2 {
		t.Errorf("%d builds, want 2", n)
	}
	containerDeploy(t, sim, c)
}

// containerDeploy builds an OCI image with buildah (its default format,
// from the shell base), pushes it to the simulator's GitLab registry with
// the job token over plain HTTP to loopback, and deploys it from inside
// the heroku-deploy image, as the deploy component's job runs: Heroku's
// image id is buildah's, the blobs having gone byte for byte.
func containerDeploy(t *testing.T, sim *herokusim.Server, c string) {
	reg := map[string]string{}
	for _, kv := range sim.RegistryEnv() {
		k, v, _ := strings.Cut(kv, "=")
		reg[k] = v
	}
	const revision = "0123456789abcdef0123456789abcdef01234567"
	app := buildah(t, "from", "--pull=never", "localhost/hd-shell-base")
	buildah(t, "config", "--cmd", "/bin/sh -c 'echo serving'", "--label", "org.opencontainers.image.revision="+revision, app)
	id := "sha256:" + buildah(t, "commit", "-q", app, "localhost/hd-box:test")
	buildah(t, "rm", app)
	ref := reg["CI_REGISTRY_IMAGE"] + ":" + revision
	buildah(t, "push", "-q", "--tls-verify=false", "--creds", reg["CI_REGISTRY_USER"]+":"+reg["CI_REGISTRY_PASSWORD"], "localhost/hd-box:test", "docker://"+ref)
	var env []string
	for _, kv := range sim.RegistryEnv() {
		k, v, _ := strings.Cut(kv, "=")
		env = append(env, k+"="+strconv.Quote(v))
	}
	script := fmt.Sprintf("export %s HEROKU_API_URL=%s HEROKU_API_KEY=%s && heroku-deploy deploy --app box --image %s --dotenv /tmp/box.env && cat /tmp/box.env",
		strings.Join(env, " "), sim.URL, strconv.Quote(herokusim.DefaultKey), ref)
	out := buildah(t, "run", "--network", "host", c, "sh", "-c", script)
	for _, want := range []string{"OCI manifest relabelled as Docker v2 schema 2", "built from commit 01234567",
		"==> Deployed box: release v3 (web " + id + ")", "HEROKU_IMAGE_ID=" + id} {
		if !strings.Contains(out, want) {
			t.Errorf("container deploy in the image: output lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range sim.Secrets() {
		if strings.Contains(out, secret) {
			t.Errorf("container deploy in the image: output contains a secret (%.10s…)", secret)
		}
	}
}
