package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/fault"
	"gitlab.com/heroku-deploy/heroku/internal/gitlabfake"
	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
	"gitlab.com/heroku-deploy/heroku/internal/leakcheck"
)

// TestFaultTable runs every command that changes an app against each body
// fault on each read it makes (issue 19: fail closed, verify after). For
// each scenario (a simulator state made by clean runs, then one command),
// the command runs once cleanly; its reads (GETs of the Platform API and
// of GitLab's, in order, and the GETs and HEADs of the container
// registries, Heroku's and the GitLab-like source, through the same fault
// language: manifests, blobs, pings, token realms; not the storage, the
// streams or the app's web side, which are no answers of an API) are
// recorded with their statuses. A HEAD has no body: one fault each.
// Then, for each read and each fault below, a fresh simulator is brought
// to the same state and the command runs again with that fault on exactly
// that read and every later read of its path (persistent), and for one
// fault of each kind (an answer that is not JSON, a rule of answers.go
// broken, a 404 page) on that read only (times=1: a GET is retried):
//
//	STATUS html, STATUS text, STATUS empty-object, STATUS null, STATUS truncated
//	                 with the read's own status (a 404 too: an absent app)
//	404 html         a router's 404 page where an answer was due
//	wrongtype=FIELD  for the fields the command decides on (fieldsOf), a
//	                 fraction where an integer belongs, a succeeded
//	                 promotion target without its release
//
// Each faulted run must hold these:
//
//   - exit class: the clean run's code when the fault was ridden out (a
//     retry read the answer), else 4 (an unknown answer); 6 only where
//     maintenance mode may be on (deploy --maintenance, maintenance).
//     Never 1, 2, 3 or 5 from an unreadable answer: 2 promises nothing
//     changed, 5 a positive safety check, 1 and 3 Heroku's own verdicts.
//   - state: with the clean run's code, the simulator's state (State:
//     apps, releases, builds, current release, maintenance, config,
//     formation, couplings, promotions, the images a release of images
//     runs; not what a registry holds: a push changes no release) is the
//     clean run's. Otherwise, if
//     the fault hit a read made before the clean run's first change (a
//     read that gates it), nothing changed at all; if it hit a later read
//     (one that verifies a change, or gates a later one), each fact of an
//     app that existed is as it was or as the clean run left it, and an
//     app the command creates may exist only if the clean run created it,
//     with no release or build the clean run did not make. Nothing is
//     deleted, released, promoted or left in maintenance that the clean
//     run did not. One fault is a well-formed answer, not an unreadable
//     one: {} for an app's config vars (an app without any); a command
//     may act on it, so the later-read rule applies, and exit 0 only if
//     the config ends as the clean run left it (verify after).
//   - no panic (no "panic:" or "goroutine " on stderr, recovered or not);
//   - no secret in stdout or stderr, in any encoding (internal/leakcheck):
//     the key, the simulator's config values, the variables' values, the
//     GitLab token;
//   - the simulator saw no protocol problem, and a wrongtype fault found
//     its field (else the table is wrong);
//   - every wait bounded: each run ends within runBound, though --timeout
//     is the default 30 minutes;
//   - a dry run (--dry-run) sends no request but GETs, whatever it read,
//     and no registry request but GET and HEAD.
//
// The runs are the real binary (testscript.Main's copy of this test binary
// on $PATH), with Heroku's pace compressed as in the golden scripts.
func TestFaultTable(t *testing.T) {
	// Not parallel with the golden scripts: its runs keep both cores busy,
	// and some scripts race a timeout against a delay (run_timeout).
	if _, err := exec.LookPath("heroku-deploy"); err != nil {
		t.Fatalf("heroku-deploy is not on $PATH (testscript.Main puts it there): %v", err)
	}
	work := t.TempDir()
	if err := os.CopyFS(filepath.Join(work, "apps"), os.DirFS("../../testdata/apps")); err != nil {
		t.Fatal(err)
	}
	writeApp(t, filepath.Join(work, "procs"), map[string]string{
		"package.json": `{"name": "procs", "scripts": {"start": "node server.js"}}`,
		"Procfile":     "web: node server.js\nworker: node worker.js\n",
	})
	sem := make(chan struct{}, faultTableWorkers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	start := time.Now()
	for _, sc := range faultScenarios() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(sc.name, func(t *testing.T) {
				n := sc.table(t, work, sem)
				mu.Lock()
				total += n
				mu.Unlock()
			})
		}()
	}
	wg.Wait()
	t.Logf("%d faulted runs in %s", total, time.Since(start).Round(time.Millisecond))
}

var showRuns = flag.Bool("faulttable.show", false, "TestFaultTable: log each faulted run's exit code and output")

// faultTableWorkers runs at once: each run mostly waits (polls, retries).
var faultTableWorkers = 8 * runtime.NumCPU()

// raceDetector is set by race_test.go when the race detector is on; then
// one probe in raceSample runs.
var raceDetector bool

const raceSample = 8

// runBound is how long any run may take: a run that waits for --timeout
// on a malformed answer fails.
const runBound = 20 * time.Second

// scenario is one command run against a state that clean runs made.
type scenario struct {
	name   string
	sim    []string            // herokusim flags
	gitlab []string            // the GitLab fake's merge requests ("IID", "IID:STATE"); nil: no fake
	env    map[string]string   // besides the key, the API URLs and the pace
	setup  [][]string          // heroku-deploy runs that make the state, each must exit 0
	args   []string            // the command
	maint  bool                // maintenance may be left on: exit 6 allowed
	fields map[string][]string // extra wrongtype fields by path pattern
	// only, when set, limits the probes to the reads whose paths match
	// one of these patterns: those the scenario is about, where another
	// scenario probes the others already (its setup makes each run dear).
	only []string
	// images are stored in the simulator's GitLab-like source registry
	// before the setup runs (herokusim-push-image); args and env may name
	// them with $CI_REGISTRY_IMAGE, expanded for each run.
	images []sourceImage
}

// sourceImage is a test image at REPO:TAG of the source registry.
type sourceImage struct {
	ref string // group/project:v1
	img herokusim.SourceImage
}

// gitlabToken is the review sweep's project access token.
const gitlabToken = "glpat-faulttable-SECRET-0123456789"

func faultScenarios() []scenario {
	deploy := func(app, dir, sha string) []string {
		return []string{"deploy", "--app", app, "--dir", dir, "--source-version", sha}
	}
	const (
		sha1 = "0123456789abcdef0123456789abcdef01234567"
		sha2 = "89abcdef0123456789abcdef0123456789abcdef"
		sha3 = "fedcba9876543210fedcba9876543210fedcba98"
	)
	// Container apps (issue 22): an OCI image of each commit, labelled
	// with it, as GitLab CI's Buildah builds it.
	image := func(tag, sha string) sourceImage {
		return sourceImage{ref: "group/project:" + tag, img: herokusim.SourceImage{OCI: true, Seed: tag,
			Labels: map[string]string{"org.opencontainers.image.revision": sha}}}
	}
	deployImage := func(app, tag string) []string {
		return []string{"deploy", "--app", app, "--image", "$CI_REGISTRY_IMAGE:" + tag}
	}
	// What container workflows decide on besides fieldsOf's: the stack
	// the build runs on, and which image a release deployed (its
	// description, "Deployed web (0123456789ab)").
	containerFields := map[string][]string{"/apps/*": {"build_stack"}, "/apps/*/releases": {"description"}}
	containers := []string{"-app", "my-app-staging:container,pipeline=flow/staging", "-app", "my-app-production:container,pipeline=flow/production"}
	return []scenario{{
		name: "review_destroy",
		sim:  []string{"-app", "shop-mr-7:pipeline=shop/review", "-app", "shop:pipeline=shop/production"},
		args: []string{"review", "destroy", "--name", "shop", "--mr", "7"},
	}, {
		// Named like a review app, coupled at production: the clean run
		// refuses (5); no fault may make it delete.
		name: "review_destroy_production",
		sim:  []string{"-app", "shop-mr-7:pipeline=shop/production"},
		args: []string{"review", "destroy", "--name", "shop", "--mr", "7"},
	}, {
		name:   "review_sweep",
		sim:    []string{"-page-size", "2", "-app", "shop:pipeline=shop/production", "-app", "shop-mr-1", "-app", "shop-mr-2:pipeline=shop/review", "-app", "shop-mr-3:pipeline=shop/review"},
		gitlab: []string{"1:merged", "2", "3:closed", "4"},
		env:    map[string]string{"GITLAB_REVIEW_TOKEN": gitlabToken},
		args:   []string{"review", "sweep", "--name", "shop", "--gitlab-token-var", "GITLAB_REVIEW_TOKEN"},
	}, {
		name:   "review_sweep_production",
		sim:    []string{"-app", "shop-mr-1", "-app", "shop-mr-2:pipeline=shop/production"},
		gitlab: []string{"1:merged", "3"},
		env:    map[string]string{"GITLAB_REVIEW_TOKEN": gitlabToken},
		args:   []string{"review", "sweep", "--name", "shop", "--gitlab-token-var", "GITLAB_REVIEW_TOKEN"},
	}, {
		name: "review_deploy_create",
		sim:  []string{"-app", "shop-staging:pipeline=shop/staging"},
		env:  map[string]string{"CI_COMMIT_SHA": sha1},
		args: []string{"review", "deploy", "--name", "shop", "--mr", "7", "--dir", "apps/node-express", "--pipeline", "shop"},
	}, {
		name:  "review_deploy_existing",
		sim:   []string{"-app", "shop-staging:pipeline=shop/staging", "-app", "shop-mr-7:pipeline=shop/review"},
		env:   map[string]string{"CI_COMMIT_SHA": sha2},
		setup: [][]string{deploy("shop-mr-7", "apps/node-express", sha1)},
		args:  []string{"review", "deploy", "--name", "shop", "--mr", "7", "--dir", "apps/node-express", "--pipeline", "shop"},
	}, {
		name: "review_deploy_production",
		sim:  []string{"-app", "shop-mr-7:pipeline=shop/production"},
		env:  map[string]string{"CI_COMMIT_SHA": sha1},
		args: []string{"review", "deploy", "--name", "shop", "--mr", "7", "--dir", "apps/node-express", "--pipeline", "shop"},
	}, {
		name:  "rollback",
		sim:   []string{"-app", "my-app"},
		setup: [][]string{deploy("my-app", "apps/python-flask", sha1), deploy("my-app", "apps/python-flask", sha2)},
		args:  []string{"rollback", "--app", "my-app"},
	}, {
		// The default rollback again, after one that went through: the
		// same act, done; never a roll forward to v4, rolled back away
		// from. "Nothing to do" rests on the answers read.
		name: "rollback_again",
		sim:  []string{"-app", "my-app"},
		setup: [][]string{deploy("my-app", "apps/python-flask", sha1), deploy("my-app", "apps/python-flask", sha2),
			{"rollback", "--app", "my-app"}},
		args: []string{"rollback", "--app", "my-app"},
	}, {
		name:  "promote",
		sim:   []string{"-app", "my-app-staging:pipeline=flow/staging", "-app", "my-app-production:pipeline=flow/production"},
		env:   map[string]string{"CI_COMMIT_SHA": sha1},
		setup: [][]string{deploy("my-app-staging", "apps/python-flask", sha1)},
		args:  []string{"promote", "--from", "my-app-staging", "--to", "my-app-production"},
	}, {
		// Staging was rolled back away from the commit (promote_rolled_back):
		// the clean run refuses (5); no fault may make it promote.
		name: "promote_rolled_back",
		sim:  []string{"-app", "my-app-staging:pipeline=flow/staging", "-app", "my-app-production:pipeline=flow/production"},
		env:  map[string]string{"CI_COMMIT_SHA": sha1, "FEATURE_FLAG": "on"},
		setup: [][]string{deploy("my-app-staging", "apps/node-express", sha3), deploy("my-app-staging", "apps/python-flask", sha1),
			{"config", "set", "--app", "my-app-staging", "FEATURE_FLAG"}, {"rollback", "--app", "my-app-staging", "--to", "v3"}},
		args: []string{"promote", "--from", "my-app-staging", "--to", "my-app-production"},
		only: []string{"/apps/*/releases", "/apps/*/slugs/*"},
	}, {
		// A container app with an earlier image release: deploy --image of
		// a new one (internal/container Deploy).
		name:   "deploy_image",
		sim:    []string{"-app", "my-app:container"},
		images: []sourceImage{image("v1", sha2), image("v2", sha1)},
		setup:  [][]string{deployImage("my-app", "v1")},
		args:   deployImage("my-app", "v2"),
		fields: containerFields,
	}, {
		// Container promotion (internal/container Promote): staging's
		// image, of the commit tested, copied and released on production.
		name:   "promote_container",
		sim:    containers,
		env:    map[string]string{"CI_COMMIT_SHA": sha1},
		images: []sourceImage{image(sha1, sha1)},
		setup:  [][]string{deployImage("my-app-staging", sha1)},
		args:   []string{"promote", "--from", "my-app-staging", "--to", "my-app-production"},
		fields: containerFields,
	}, {
		name:  "maintenance_on",
		sim:   []string{"-app", "my-app"},
		args:  []string{"maintenance", "on", "--app", "my-app"},
		maint: true,
	}, {
		name:  "maintenance_off",
		sim:   []string{"-app", "my-app"},
		setup: [][]string{{"maintenance", "on", "--app", "my-app"}},
		args:  []string{"maintenance", "off", "--app", "my-app"},
		maint: true,
	}, {
		name:   "config_set",
		sim:    []string{"-app", "my-app:config=OLD_FLAG"},
		env:    map[string]string{"STRIPE_KEY": "sk-live-0123-SECRET-faulttable"},
		args:   []string{"config", "set", "--app", "my-app", "STRIPE_KEY", "--unset", "OLD_FLAG"},
		fields: map[string][]string{"/apps/*/config-vars": {"DATABASE_URL"}},
	}, {
		name:  "deploy",
		sim:   []string{"-app", "my-app"},
		setup: [][]string{deploy("my-app", "apps/node-express", sha2)},
		args:  deploy("my-app", "apps/node-express", sha1),
	}, {
		// A commit Heroku still keeps a build of: its slug released again,
		// decided on the build list.
		name:  "deploy_reuse",
		sim:   []string{"-app", "my-app"},
		setup: [][]string{deploy("my-app", "apps/node-express", sha1), deploy("my-app", "apps/node-express", sha2)},
		args:  deploy("my-app", "apps/node-express", sha1),
	}, {
		name:  "deploy_maintenance",
		sim:   []string{"-app", "my-app"},
		args:  append(deploy("my-app", "apps/node-express", sha1), "--maintenance"),
		maint: true,
	}, {
		// An operator's maintenance, left as found; the health check's
		// 503 is the maintenance page, read as such: no rollback.
		name:  "deploy_maintenance_operator",
		sim:   []string{"-app", "my-app:web"},
		setup: [][]string{deploy("my-app", "apps/node-express", sha1), {"maintenance", "on", "--app", "my-app"}},
		args:  append(deploy("my-app", "apps/node-express", sha2), "--maintenance", "--health-check", "/healthz", "--health-check-timeout", "1s"),
		maint: true,
		only:  []string{"/apps/*"}, // the maintenance mode, read before and after the health check's 503
	}, {
		name: "deploy_health_check",
		sim:  []string{"-app", "my-app:web", "-health", "my-app:200"},
		args: append(deploy("my-app", "apps/node-express", sha1), "--health-check", "/healthz"),
	}, {
		name:  "restart",
		sim:   []string{"-app", "my-app"},
		setup: [][]string{deploy("my-app", "procs", sha1)},
		args:  []string{"restart", "--app", "my-app", "web", "worker"},
	}, {
		name:  "scale",
		sim:   []string{"-app", "my-app"},
		setup: [][]string{deploy("my-app", "procs", sha1)},
		args:  []string{"scale", "--app", "my-app", "web=2:standard-1x", "worker=1"},
	},
		// Dry runs (issue 23, point 6): whatever a read answers, a dry run
		// sends nothing but GETs (judge checks every run's requests) and
		// changes nothing; each read gates, since no change follows.
		{
			name:  "deploy_dry_run",
			sim:   []string{"-app", "my-app:web"},
			env:   map[string]string{"STRIPE_KEY": "sk-live-0123-SECRET-faulttable"},
			setup: [][]string{deploy("my-app", "apps/node-express", sha2)},
			args:  append(deploy("my-app", "apps/node-express", sha1), "--maintenance", "--config-var", "STRIPE_KEY", "--health-check", "/healthz", "--dry-run"),
		}, {
			name:  "deploy_reuse_dry_run",
			sim:   []string{"-app", "my-app"},
			setup: [][]string{deploy("my-app", "apps/node-express", sha1), deploy("my-app", "apps/node-express", sha2)},
			args:  append(deploy("my-app", "apps/node-express", sha1), "--dry-run"),
		}, {
			name:  "promote_dry_run",
			sim:   []string{"-app", "my-app-staging:pipeline=flow/staging", "-app", "my-app-production:pipeline=flow/production"},
			env:   map[string]string{"CI_COMMIT_SHA": sha1},
			setup: [][]string{deploy("my-app-staging", "apps/python-flask", sha1)},
			args:  []string{"promote", "--from", "my-app-staging", "--to", "my-app-production", "--dry-run"},
		}, {
			// Its reads are deploy_image's up to the push; a dry run reads
			// what the app's repository holds instead (probed here) and
			// the newest release.
			name:   "deploy_image_dry_run",
			sim:    []string{"-app", "my-app:container"},
			images: []sourceImage{image("v1", sha2), image("v2", sha1)},
			setup:  [][]string{deployImage("my-app", "v1")},
			args:   append(deployImage("my-app", "v2"), "--dry-run"),
			only:   []string{"/apps/*/releases", "/v2/my-app/*/manifests/*"},
		}, {
			// promote_container's checks probe the reads before the copy;
			// a dry run's plan reads each target's newest release.
			name:   "promote_container_dry_run",
			sim:    containers,
			env:    map[string]string{"CI_COMMIT_SHA": sha1},
			images: []sourceImage{image(sha1, sha1)},
			setup:  [][]string{deployImage("my-app-staging", sha1)},
			args:   []string{"promote", "--from", "my-app-staging", "--to", "my-app-production", "--dry-run"},
			only:   []string{"/apps/my-app-production/releases"},
		}, {
			name:  "rollback_dry_run",
			sim:   []string{"-app", "my-app"},
			setup: [][]string{deploy("my-app", "apps/python-flask", sha1), deploy("my-app", "apps/python-flask", sha2)},
			args:  []string{"rollback", "--app", "my-app", "--dry-run"},
		}, {
			name: "review_destroy_dry_run",
			sim:  []string{"-app", "shop-mr-7:pipeline=shop/review"},
			args: []string{"review", "destroy", "--name", "shop", "--mr", "7", "--dry-run"},
		}, {
			name: "review_deploy_create_dry_run",
			sim:  []string{"-app", "shop-staging:pipeline=shop/staging"},
			env:  map[string]string{"CI_COMMIT_SHA": sha1},
			args: []string{"review", "deploy", "--name", "shop", "--mr", "7", "--dir", "apps/node-express", "--pipeline", "shop", "--config-from", "shop-staging", "--dry-run"},
		}, {
			name:   "config_set_dry_run",
			sim:    []string{"-app", "my-app:config=OLD_FLAG"},
			env:    map[string]string{"STRIPE_KEY": "sk-live-0123-SECRET-faulttable"},
			args:   []string{"config", "set", "--app", "my-app", "STRIPE_KEY", "--unset", "OLD_FLAG", "--dry-run"},
			fields: map[string][]string{"/apps/*/config-vars": {"DATABASE_URL"}},
		}, {
			// Never 6: a dry run turns nothing on.
			name: "maintenance_dry_run",
			sim:  []string{"-app", "my-app"},
			args: []string{"maintenance", "on", "--app", "my-app", "--dry-run"},
		}, {
			name:  "scale_dry_run",
			sim:   []string{"-app", "my-app"},
			setup: [][]string{deploy("my-app", "procs", sha1)},
			args:  []string{"scale", "--app", "my-app", "web=2:standard-1x", "worker=1", "--dry-run"},
		}, {
			name:  "restart_dry_run",
			sim:   []string{"-app", "my-app"},
			setup: [][]string{deploy("my-app", "procs", sha1)},
			args:  []string{"restart", "--app", "my-app", "--dry-run"},
		}}
}

// fieldsOf are the fields each answer is decided on (internal/herokuapi's
// answers.go), by path pattern: wrongtype gives each the wrong type.
var fieldsOf = []struct {
	pattern string
	fields  []string
}{
	{"/apps", []string{"name", "maintenance"}},
	{"/apps/*", []string{"name", "maintenance", "stack"}},
	{"/apps/*/pipeline-couplings", []string{"stage", "pipeline"}},
	{"/pipelines/*", []string{"name"}},
	{"/apps/*/releases", []string{"version", "version:float", "status", "current", "slug"}},
	{"/apps/*/releases/*", []string{"version", "status", "current", "slug"}},
	{"/apps/*/builds", []string{"status", "source_blob", "slug"}},
	{"/apps/*/builds/*", []string{"status", "release", "slug"}},
	{"/apps/*/slugs/*", []string{"commit", "process_types"}},
	{"/apps/*/formation", []string{"type", "quantity", "quantity:float", "size"}},
	{"/apps/*/domains", []string{"hostname"}},
	{"/apps/*/addons", []string{"config_vars"}},
	{"/pipeline-promotions/*", []string{"status"}},
	{"/pipeline-promotions/*/promotion-targets", []string{"status", "release", "release:null", "app"}},
	{"/projects/*/merge_requests", []string{"iid", "iid:string", "iid:float", "state"}},
}

// registryFieldsOf are the fields of the registries' answers a command
// decides on, by what their paths contain: a manifest's (a blob's
// digests), an image config's labels (the revision; a layer has no JSON,
// and the run is "not applicable"), a token.
var registryFieldsOf = []struct {
	pattern string
	fields  []string
}{
	{"/manifests/", []string{"mediaType", "digest", "size"}},
	{"/blobs/", []string{"Labels"}},
	{"/jwt/auth", []string{"token"}},
}

// probe is one faulted run: a fault on one read.
type probe struct {
	read       fault.Read
	gitlab     bool   // a read of GitLab's API
	registry   string // a read of a registry's ("heroku", "gitlab"), else ""
	method     string // GET, or HEAD (a registry's)
	status     int    // the read's status in the clean run
	effect     string // "200 null", "wrongtype=version", …
	persistent bool   // on every read of the path from this one on
	gate       bool   // the read came before the clean run's first change
}

// wellFormed reports whether the fault's answer is a well-formed one that
// says something else: {} is an app without config vars. A command acts
// on it; what it must not do is report the change done when the config
// it left is not as asked.
func (p probe) wellFormed() bool {
	ok, _ := path.Match("/apps/*/config-vars", p.read.Path)
	return ok && p.effect == "200 empty-object"
}

// name is the subtest's: the read's path with dots for slashes, so that
// -run can pick it ("TestFaultTable/promote/releases.*null").
func (p probe) name() string {
	where := strings.ReplaceAll(strings.TrimPrefix(p.read.Path, "/"), "/", ".")
	if p.registry != "" {
		where = p.registry + "-registry" + where
	}
	n := fmt.Sprintf("%s %s #%d %s", p.method, where, p.read.N+1, p.effect)
	if p.persistent {
		n += " persistent"
	}
	return n
}

// text is the fault in the fakes' language.
func (p probe) text() string {
	f := p.read.Fault(p.effect)
	if p.method == "HEAD" {
		f = "HEAD" + strings.TrimPrefix(f, "GET")
	}
	if p.persistent {
		f = strings.TrimSuffix(f, " times=1")
	}
	return f
}

// outcome is what a run did.
type outcome struct {
	code           int
	stdout, stderr []byte
	state          map[string]string
	problems       []string
	secrets        []leakcheck.Secret
	met            bool // the fault met a request
	// sent are the command's requests but GETs ("METHOD PATH"), and the
	// registries' but reads: a dry run must make none.
	sent []string
}

// tally counts a scenario's faulted runs by how they ended.
type tally struct {
	mu     sync.Mutex
	counts map[string]int
}

func (t *tally) add(what string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.counts == nil {
		t.counts = map[string]int{}
	}
	t.counts[what]++
}

func (t *tally) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(t.counts)) {
		parts = append(parts, fmt.Sprintf("%s: %d", k, t.counts[k]))
	}
	return strings.Join(parts, ", ")
}

// table runs the scenario cleanly, then with each probe (those -run
// selects); it returns how many faulted runs it made.
func (sc scenario) table(t *testing.T, work string, sem chan struct{}) int {
	initial, clean, reads := sc.clean(t, work, sem)
	if t.Failed() {
		return 0
	}
	probes := sc.probes(reads)
	if raceDetector {
		// Race-built runs cost several times as much: a sample looks for
		// data races, the run without -race does the whole table.
		var sample []probe
		for i, p := range probes {
			if i%raceSample == 0 {
				sample = append(sample, p)
			}
		}
		probes = sample
	}
	var (
		wg  sync.WaitGroup
		end tally
		ran atomic.Int64
	)
	for _, p := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t.Run(p.name(), func(t *testing.T) {
				ran.Add(1)
				got := sc.run(t, work, &p, initial)
				if t.Failed() {
					end.add("failed to run")
					return
				}
				// A wrongtype that met an answer without its field (an
				// empty list) did nothing there: not a problem of the
				// command, and, if nothing else went wrong, no test.
				var missed []string
				got.problems = slices.DeleteFunc(got.problems, func(p string) bool {
					if strings.Contains(p, " but did nothing: ") {
						missed = append(missed, p)
						return true
					}
					return false
				})
				if *showRuns {
					t.Logf("exit %d\nstdout:\n%s\nstderr:\n%s", got.code, got.stdout, got.stderr)
				}
				bad := judge(sc, p, initial, clean, got)
				switch {
				case len(bad) > 0:
					end.add(fmt.Sprintf("exit %d", got.code))
					t.Errorf("%s (heroku-deploy %s): fault %q on %s:\n- %s\nstdout:\n%s\nstderr:\n%s",
						sc.name, strings.Join(sc.args, " "), p.text(), p.read, strings.Join(bad, "\n- "), got.stdout, got.stderr)
				case len(missed) > 0:
					end.add("not applicable")
					t.Skipf("not applicable: %s", strings.Join(missed, "; "))
				case !got.met:
					// The run made fewer reads of the path than the clean
					// one (a poll answered sooner).
					end.add("fault not met")
					t.Skipf("not applicable: the run made no %s", p.read)
				default:
					end.add(fmt.Sprintf("exit %d", got.code))
				}
			})
		}()
	}
	wg.Wait()
	t.Logf("%d faulted runs of %d: %s", ran.Load(), len(probes), &end)
	return int(ran.Load())
}

// cleanRead is a read of the clean run, with its status.
type cleanRead struct {
	fault.Read
	status   int
	gitlab   bool
	registry string // "heroku", "gitlab": a registry's
	method   string // GET, or HEAD (a registry's)
	gate     bool
}

func (r cleanRead) String() string {
	s := r.method + strings.TrimPrefix(r.Read.String(), "GET")
	if r.registry != "" {
		s = r.registry + " registry: " + s
	}
	return s
}

// clean runs the scenario without a fault: the state before, the outcome,
// and the reads the command made.
func (sc scenario) clean(t *testing.T, work string, sem chan struct{}) (initial map[string]string, clean outcome, reads []cleanRead) {
	sem <- struct{}{}
	defer func() { <-sem }()
	fk := sc.start(t, work, nil)
	initial = fk.before
	before := len(fk.sim.Requests())
	beforeReg := len(fk.sim.RegistryRequests())
	clean = sc.exec(t, work, fk)
	if clean.code != 0 && clean.code != 5 {
		t.Fatalf("%s: the clean run exited %d\nstdout:\n%s\nstderr:\n%s", sc.name, clean.code, clean.stdout, clean.stderr)
	}
	if len(clean.problems) > 0 {
		t.Fatalf("%s: the clean run: the fakes saw:\n%s", sc.name, strings.Join(clean.problems, "\n"))
	}
	if sc.dryRun() && len(clean.sent) > 0 {
		t.Fatalf("%s: the clean dry run sent %s", sc.name, strings.Join(clean.sent, ", "))
	}
	reqs := fk.sim.Requests()[before:]
	firstChange := len(reqs)
	changeSeq := int64(math.MaxInt64) // when the first change arrived
	for i, r := range reqs {
		if changes(r.Method, r.Path) {
			firstChange, changeSeq = i, r.Seq
			break
		}
	}
	heroku := herokusim.Reads(reqs)
	gets := 0
	for i, r := range reqs {
		if r.Method != "GET" {
			continue
		}
		rd := heroku[gets]
		gets++
		if apiPath(r.Path) {
			reads = append(reads, cleanRead{Read: rd, status: r.Status, method: "GET", gate: i < firstChange})
		}
	}
	// The registries' reads (manifests, blobs, tokens; GET and HEAD): a
	// push or a copy changes no fact of State (what an app runs changes
	// with its release), so a read gates if it came before the API's
	// first change.
	seen := map[string]int{}
	for _, r := range fk.sim.RegistryRequests()[beforeReg:] {
		if r.Method != "GET" && r.Method != "HEAD" {
			continue
		}
		k := r.Registry + " " + r.Method + " " + r.Path
		reads = append(reads, cleanRead{Read: fault.Read{Path: r.Path, N: seen[k]}, status: r.Status,
			registry: r.Registry, method: r.Method, gate: r.Seq < changeSeq})
		seen[k]++
	}
	if fk.gl != nil {
		// GitLab's reads come before any change: the sweep reads the open
		// merge requests before it deletes.
		st := gitlabStatuses(fk.gl.Requests())
		for i, rd := range fk.gl.Reads() {
			reads = append(reads, cleanRead{Read: rd, status: st[i], gitlab: true, method: "GET", gate: true})
		}
	}
	if len(reads) == 0 {
		t.Fatalf("%s: the clean run made no read", sc.name)
	}
	var list []string
	for _, r := range reads {
		gate := "after the first change"
		if r.gate {
			gate = "gates the first change"
		}
		list = append(list, fmt.Sprintf("  %s: %d, %s", r, r.status, gate))
	}
	t.Logf("clean run: exit %d, %d reads:\n%s", clean.code, len(reads), strings.Join(list, "\n"))
	return initial, clean, reads
}

// changes reports whether a request can change what State shows.
func changes(method, p string) bool {
	return method != "GET" && !(method == "POST" && p == "/sources") && !strings.HasPrefix(p, "/s3/")
}

// apiPath is a path of the Platform API, not of storage, a stream, the
// app's web side or a log session.
func apiPath(p string) bool {
	for _, pre := range []string{"/s3/", "/streams/", "/web/", "/logs/", "/trap/"} {
		if strings.HasPrefix(p, pre) {
			return false
		}
	}
	return true
}

// gitlabStatuses are the statuses of the fake's GET requests, in order.
func gitlabStatuses(reqs []string) []int {
	var out []int
	for _, r := range reqs {
		f := strings.Fields(r)
		if len(f) >= 3 && f[0] == "GET" {
			n, _ := strconv.Atoi(f[2])
			out = append(out, n)
		}
	}
	return out
}

// probes are the faulted runs of the reads.
func (sc scenario) probes(reads []cleanRead) []probe {
	var out []probe
	for _, r := range reads {
		if !sc.probed(r.Path) {
			continue
		}
		var effects []string
		for _, b := range fault.Bodies {
			effects = append(effects, fmt.Sprintf("%d %s", r.status, b))
		}
		if r.method == "HEAD" {
			// An answer without a body: the bodies differ only in their
			// Content-Type, and a 404 page is a 404.
			effects = effects[:1]
		} else if r.status != 404 {
			effects = append(effects, "404 html")
		}
		wrongtypes := 0
		if r.status/100 == 2 && r.method == "GET" {
			for _, f := range sc.fieldsOf(r.registry, r.Path) {
				effects = append(effects, "wrongtype="+f)
				wrongtypes++
			}
		}
		for i, e := range effects {
			p := probe{read: r.Read, gitlab: r.gitlab, registry: r.registry, method: r.method, status: r.status, effect: e, persistent: true, gate: r.gate}
			out = append(out, p)
			// Once: the client reads a 2xx that is no answer as a 502 and
			// retries it, whatever was wrong with it (not JSON, or a rule
			// of answers.go broken), and never retries a 404: one fault of
			// each kind tells those apart, the rest would repeat them.
			first := i == 0 || e == "404 html" || (wrongtypes > 0 && i == len(effects)-wrongtypes)
			if p.persistent = false; first || p.wellFormed() {
				out = append(out, p)
			}
		}
	}
	return out
}

// dryRun: the scenario's command is a dry run.
func (sc scenario) dryRun() bool { return slices.Contains(sc.args, "--dry-run") }

// probed reports whether the reads of path p are probed (scenario.only).
func (sc scenario) probed(p string) bool {
	for _, pat := range sc.only {
		if ok, _ := path.Match(pat, p); ok {
			return true
		}
	}
	return len(sc.only) == 0
}

func (sc scenario) fieldsOf(registry, p string) []string {
	var out []string
	if registry != "" {
		for _, f := range registryFieldsOf {
			if strings.Contains(p, f.pattern) {
				out = append(out, f.fields...)
			}
		}
		return out
	}
	for _, f := range fieldsOf {
		if ok, _ := path.Match(f.pattern, p); ok {
			out = append(out, f.fields...)
		}
	}
	for pat, fs := range sc.fields {
		if ok, _ := path.Match(pat, p); ok {
			out = append(out, fs...)
		}
	}
	return out
}

// fakes are a run's simulator, GitLab fake and fault.
type fakes struct {
	sim   *herokusim.Server
	gl    *gitlabfake.Server // nil: none
	fault *fault.Fault       // nil: the clean run
	// before is the simulator's state the command starts from.
	before map[string]string
}

// start brings up the fakes and runs the setup; p's fault, when p is not
// nil, is armed after it, so that its skip=N counts the command's reads.
func (sc scenario) start(t *testing.T, work string, p *probe) fakes {
	var fk fakes
	opts, _, err := herokusim.ParseFlags("herokusim", sc.sim, io.Discard)
	if err != nil {
		t.Fatalf("%s: herokusim %q: %v", sc.name, sc.sim, err)
	}
	if fk.sim, err = herokusim.Start(opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fk.sim.Close() })
	for _, im := range sc.images {
		repo, tag, _ := strings.Cut(im.ref, ":")
		herokusim.PushTestImage(fk.sim.SourceRegistry(), repo, tag, im.img)
	}
	if sc.gitlab != nil {
		gopts := gitlabfake.Options{Token: gitlabToken, MRs: sc.gitlab}
		if p != nil && p.gitlab {
			if fk.fault, err = gitlabfake.ParseFault(p.text()); err != nil {
				t.Fatal(err)
			}
			gopts.Faults = []*fault.Fault{fk.fault}
		}
		if fk.gl, err = gitlabfake.Start(gopts); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { fk.gl.Close() })
	}
	for _, args := range sc.setup {
		o := sc.runBinary(t, work, fk, args)
		if o.code != 0 {
			t.Fatalf("%s: setup run %q exited %d\nstdout:\n%s\nstderr:\n%s", sc.name, args, o.code, o.stdout, o.stderr)
		}
	}
	fk.before = settled(t, fk.sim)
	if p != nil && !p.gitlab {
		if fk.fault, err = herokusim.ParseFault(p.text()); err != nil {
			t.Fatal(err)
		}
		if p.registry != "" {
			fk.sim.ArmRegistry(p.registry, fk.fault)
		} else {
			fk.sim.Arm(fk.fault)
		}
	}
	return fk
}

// settled is the simulator's state once nothing is under way.
func settled(t *testing.T, sim *herokusim.Server) map[string]string {
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := sim.State()
		if herokusim.Settled(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("the simulator's state did not settle within 5s:\n%s", describeState(st))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// exec runs the command once against the fakes.
func (sc scenario) exec(t *testing.T, work string, fk fakes) outcome {
	before, beforeReg := len(fk.sim.Requests()), len(fk.sim.RegistryRequests())
	o := sc.runBinary(t, work, fk, sc.args)
	for _, r := range fk.sim.Requests()[before:] {
		if r.Method != "GET" {
			o.sent = append(o.sent, r.Method+" "+r.Path)
		}
	}
	for _, r := range fk.sim.RegistryRequests()[beforeReg:] {
		// A registry's reads are GET and HEAD; a token may be asked for
		// with a POST outside the registry API (internal/registry's
		// tokenRequest), which changes nothing.
		if r.Method != "GET" && r.Method != "HEAD" && !(r.Method == "POST" && !strings.HasPrefix(r.Path, "/v2/")) {
			o.sent = append(o.sent, r.Registry+" registry: "+r.Method+" "+r.Path)
		}
	}
	o.state = settled(t, fk.sim)
	o.problems = fk.sim.Problems()
	for _, sec := range fk.sim.LeakSecrets() {
		o.secrets = append(o.secrets, leakcheck.Secret{Kind: sec.Kind, Value: sec.Value})
	}
	if fk.gl != nil {
		o.problems = append(o.problems, fk.gl.Problems()...)
		o.secrets = append(o.secrets, fk.gl.LeakSecrets()...)
	}
	o.met = fk.fault != nil && fk.fault.Met()
	return o
}

// run is one faulted run.
func (sc scenario) run(t *testing.T, work string, p *probe, initial map[string]string) outcome {
	fk := sc.start(t, work, p)
	if d := diffState(initial, fk.before); d != "" {
		t.Fatalf("%s: the setup made another state than for the clean run:\n%s", sc.name, d)
	}
	return sc.exec(t, work, fk)
}

// runBinary runs heroku-deploy with args in work, bounded by runBound.
func (sc scenario) runBinary(t *testing.T, work string, fk fakes, args []string) outcome {
	ctx, cancel := context.WithTimeout(context.Background(), runBound)
	defer cancel()
	cmd := exec.CommandContext(ctx, "heroku-deploy", args...)
	cmd.Dir = work
	env := map[string]string{
		"PATH":                        os.Getenv("PATH"),
		"HOME":                        work,
		"HEROKU_API_KEY":              herokusim.DefaultKey,
		"HEROKU_API_URL":              fk.sim.URL,
		"HEROKU_DEPLOY_POLL_INTERVAL": "20ms",
		"HEROKU_DEPLOY_RETRY_WAIT":    "5ms",
		"HEROKU_DEPLOY_STREAM_WAIT":   "3s",
		"HEROKU_DEPLOY_LOOKUP_WINDOW": "200ms",
	}
	maps.Copy(env, sc.env)
	for _, kv := range fk.sim.RegistryEnv() { // the registries, as a GitLab job sees them
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	if fk.gl != nil {
		env["CI_API_V4_URL"] = fk.gl.URL
		env["CI_PROJECT_ID"] = "42"
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for i, a := range cmd.Args[1:] { // $CI_REGISTRY_IMAGE:v1, a registry of this run's
		cmd.Args[i+1] = os.Expand(a, func(k string) string { return env[k] })
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	o := outcome{stdout: stdout.Bytes(), stderr: stderr.Bytes()}
	if ctx.Err() != nil {
		t.Errorf("%s: heroku-deploy %s did not end within %s", sc.name, strings.Join(args, " "), runBound)
		o.code = -1
		return o
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		o.code = ee.ExitCode()
	default:
		t.Fatalf("%s: %v", sc.name, err)
	}
	return o
}

// judge says what is wrong with a faulted run (see TestFaultTable).
func judge(sc scenario, p probe, initial map[string]string, clean, got outcome) []string {
	var bad []string
	allowed := []int{clean.code, 4}
	if sc.maint {
		allowed = append(allowed, 6)
	}
	if !slices.Contains(allowed, got.code) {
		bad = append(bad, fmt.Sprintf("exit %d, want %v", got.code, allowed))
	}
	for _, out := range [][]byte{got.stdout, got.stderr} {
		if bytes.Contains(out, []byte("panic:")) || bytes.Contains(out, []byte("goroutine ")) {
			bad = append(bad, "a panic")
			break
		}
	}
	secrets := append(got.secrets, leakcheck.Secret{Kind: "the Heroku key", Value: herokusim.DefaultKey})
	for k, v := range sc.env {
		if leakcheck.SecretEnv(k, v) || strings.Contains(v, "SECRET") {
			secrets = append(secrets, leakcheck.Secret{Kind: "$" + k, Value: v})
		}
	}
	for name, out := range map[string][]byte{"stdout": got.stdout, "stderr": got.stderr} {
		for _, h := range leakcheck.Find(out, secrets) {
			bad = append(bad, fmt.Sprintf("%s holds %s (%s)", name, h.Secret.Kind, h.Form))
		}
	}
	if len(got.problems) > 0 {
		bad = append(bad, "the fakes saw:\n"+strings.Join(got.problems, "\n"))
	}
	if sc.dryRun() && len(got.sent) > 0 {
		bad = append(bad, "a dry run sent "+strings.Join(got.sent, ", "))
	}
	switch {
	case got.code == clean.code:
		if d := diffState(clean.state, got.state); d != "" {
			bad = append(bad, "exit "+fmt.Sprint(got.code)+" as the clean run, but the state is not the clean run's:\n"+d)
		}
	case p.gate && !p.wellFormed():
		if d := diffState(initial, got.state); d != "" {
			bad = append(bad, "the fault hit a read before any change, but something changed:\n"+d)
		}
	default:
		bad = append(bad, partial(initial, clean.state, got.state, p.wellFormed())...)
	}
	return bad
}

// partial checks a run that failed after the clean run's first change:
// an app that existed has each fact as before or as the clean run left
// it; an app created exists only if the clean run created it, with only
// releases and builds the clean run made. With anyRelease (a change made
// on a well-formed answer that said something else), a release the clean
// run made too may hold another change: the config facts say which.
func partial(initial, clean, got map[string]string, anyRelease bool) []string {
	var bad []string
	keys := map[string]bool{}
	for _, m := range []map[string]string{initial, clean, got} {
		for k := range m {
			keys[k] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		app := appOf(k)
		if app != "" && initial["app "+app] == "" {
			// Created by the command.
			switch {
			case k == "app "+app && got[k] != "" && clean[k] == "":
				bad = append(bad, "app "+app+" was created, which the clean run did not")
			case (strings.Contains(k, " release v") || strings.Contains(k, " build ")) && got[k] != "" && got[k] != clean[k]:
				bad = append(bad, fmt.Sprintf("%s: %s, the clean run's: %s", k, show(got[k]), show(clean[k])))
			}
			continue
		}
		if anyRelease && strings.Contains(k, " release v") && (got[k] == "") == (clean[k] == "") {
			continue
		}
		if k != "app "+app && got["app "+app] == "" && clean["app "+app] != "" {
			continue // deleted: the app's own line says it
		}
		if got[k] != initial[k] && got[k] != clean[k] {
			bad = append(bad, fmt.Sprintf("%s: %s, neither as before (%s) nor as the clean run left it (%s)", k, show(got[k]), show(initial[k]), show(clean[k])))
		}
	}
	return bad
}

// appOf is the app a fact is of, or "".
func appOf(k string) string {
	rest, ok := strings.CutPrefix(k, "app ")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, " ")
	return name
}

func show(v string) string {
	if v == "" {
		return "absent"
	}
	return v
}

// diffState lists the facts that differ, "" when none.
func diffState(want, got map[string]string) string {
	var lines []string
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if app := appOf(k); k != "app "+app && want["app "+app] != got["app "+app] {
			continue // the app's own line says it: deleted, or created
		}
		if want[k] != got[k] {
			lines = append(lines, fmt.Sprintf("  %s: %s, want %s", k, show(got[k]), show(want[k])))
		}
	}
	return strings.Join(lines, "\n")
}

func describeState(st map[string]string) string {
	var lines []string
	for k, v := range st {
		lines = append(lines, k+": "+v)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func writeApp(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
