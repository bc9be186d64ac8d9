package simscript

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
)

// The testscript commands of container apps (registered in simscript.go):
//
//	herokusim-images [APP]          the images APP's current release runs: "TYPE IMAGE_ID" a line
//	herokusim-push-image [flags] REPO:TAG
//	                                store a test image in the GitLab registry (REPO under it, e.g.
//	                                group/project:v1), or with -heroku in Heroku's (REPO is APP/TYPE,
//	                                the tag latest), as a builder pushes it; sets $IMAGE_DIGEST (what
//	                                the tag holds) and $IMAGE_ID (the config digest of its first image).
//	    -oci            OCI media types (Buildah's default), else Docker's
//	    -index          an index (OCI with -oci, else a Docker manifest list) of -platforms
//	    -attest         BuildKit's attestation manifests in the index
//	    -platforms P,Q  os/arch[/variant] (default linux/amd64)
//	    -layers N       how many layers (default 2)
//	    -layer-type T   zstd, plain (uncompressed) or nondist (foreign, non-distributable)
//	    -label K=V      a label (repeatable): org.opencontainers.image.revision=$SHA
//	    -curl           the image has usr/bin/curl: its release phase streams
//	    -seed S         content of its own (two images of one repository differ)
//	herokusim-registry-requests heroku|source [-new]
//	                                how many requests Heroku's registry fake (or the GitLab-like
//	                                source) served, then one "METHOD PATH STATUS" line each (query left out);
//	                                -new: only those since the last listing of that registry

// cmdImages is herokusim-images [APP].
func cmdImages(ts *testscript.TestScript, neg bool, args []string) {
	h := running(ts)
	out, err := h.sim.DescribeImages(h.appArg(args, 0))
	if err != nil {
		ts.Fatalf("herokusim-images: %v", err)
	}
	fmt.Fprint(ts.Stdout(), out)
}

// cmdPushImage is herokusim-push-image [flags] REPO:TAG.
func cmdPushImage(ts *testscript.TestScript, neg bool, args []string) {
	h := running(ts)
	fs := flag.NewFlagSet("herokusim-push-image", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var img herokusim.SourceImage
	var platforms string
	var labels []string
	heroku := fs.Bool("heroku", false, "")
	fs.BoolVar(&img.OCI, "oci", false, "")
	fs.BoolVar(&img.Index, "index", false, "")
	fs.BoolVar(&img.Attest, "attest", false, "")
	fs.StringVar(&platforms, "platforms", "", "")
	fs.IntVar(&img.Layers, "layers", 2, "")
	fs.StringVar(&img.LayerType, "layer-type", "", "")
	fs.Func("label", "", func(v string) error { labels = append(labels, v); return nil })
	fs.BoolVar(&img.Curl, "curl", false, "")
	fs.StringVar(&img.Seed, "seed", "", "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		ts.Fatalf("usage: herokusim-push-image [-heroku] [-oci] [-index] [-attest] [-platforms P,...] [-layers N] [-layer-type zstd|plain|nondist] [-label K=V] [-curl] [-seed S] REPO:TAG (%v)", err)
	}
	switch img.LayerType {
	case "", "zstd", "plain", "nondist":
	default:
		ts.Fatalf("herokusim-push-image: -layer-type %q: zstd, plain or nondist", img.LayerType)
	}
	if platforms != "" {
		img.Platforms = strings.Split(platforms, ",")
	}
	if len(labels) > 0 {
		img.Labels = map[string]string{}
		for _, l := range labels {
			k, v, _ := strings.Cut(l, "=")
			img.Labels[k] = v
		}
	}
	repo, tag, ok := strings.Cut(fs.Arg(0), ":")
	if !ok || repo == "" || tag == "" {
		ts.Fatalf("herokusim-push-image: %q is not REPO:TAG", fs.Arg(0))
	}
	reg := h.sim.SourceRegistry()
	if *heroku {
		if img.OCI || img.Index || img.Attest || img.LayerType != "" {
			ts.Fatalf("herokusim-push-image: Heroku's registry takes Docker v2 schema 2 only")
		}
		reg = h.sim.HerokuRegistry()
	}
	digest, id := herokusim.PushTestImage(reg, repo, tag, img)
	ts.Setenv("IMAGE_DIGEST", digest)
	ts.Setenv("IMAGE_ID", id)
}

// cmdRegistryRequests is herokusim-registry-requests heroku|source [-new].
func cmdRegistryRequests(ts *testscript.TestScript, neg bool, args []string) {
	h := running(ts)
	if len(args) < 1 || len(args) > 2 || (args[0] != "heroku" && args[0] != "source") || (len(args) == 2 && args[1] != "-new") {
		ts.Fatalf("usage: herokusim-registry-requests heroku|source [-new]")
	}
	reg := h.sim.SourceRegistry()
	if args[0] == "heroku" {
		reg = h.sim.HerokuRegistry()
	}
	log := reg.Requests()
	if h.registrySeen == nil {
		h.registrySeen = map[string]int{}
	}
	seen := h.registrySeen[args[0]]
	h.registrySeen[args[0]] = len(log)
	if len(args) == 2 {
		log = log[seen:]
	}
	fmt.Fprintf(ts.Stdout(), "%d requests\n", len(log))
	for _, l := range log {
		f := strings.Fields(l)
		if len(f) == 3 {
			path, _, _ := strings.Cut(f[1], "?")
			l = f[0] + " " + path + " " + f[2]
		}
		fmt.Fprintln(ts.Stdout(), l)
	}
}
