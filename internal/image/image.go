// Package image takes a container image from any registry to Heroku's:
// it resolves a reference to the one linux/amd64 image Heroku can run
// (attestations dropped), turns an OCI manifest into Docker's v2 schema 2
// by relabelling media types only (blobs byte for byte, so the config
// digest, Heroku's image id, is the source's), refuses what Heroku's
// registry cannot take before anything is pushed, streams the blobs to
// <app>/<type> several at a time (skipping those already there, mounting
// those in another of the app's repositories), and reads the pushed
// manifest back. It also copies an image between two apps' repositories
// with mounts, for container promotion, and reads the image a repository's
// latest tag holds.
package image

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"gitlab.com/heroku-deploy/heroku/internal/registry"
)

// DefaultHerokuRegistry is Heroku's registry; HEROKU_REGISTRY_URL
// replaces it in tests, as HEROKU_API_URL does the API.
const DefaultHerokuRegistry = "https://registry.heroku.com"

// maxConfig bounds an image config read into memory (real ones are a few
// KB to a few hundred).
const maxConfig = 16 << 20

// Client reads source images and writes Heroku's registry.
type Client struct {
	cfg    registry.Config
	heroku *registry.Session
	// Jobs is how many blobs move at a time; 0: 4.
	Jobs int

	mu    sync.Mutex
	where map[string]string // "app digest" -> the app's repository this client pushed it to
}

// New returns a client of Heroku's registry at herokuURL ("" for the
// default) with the API key, which never leaves memory: it goes in a
// Basic header ("_" and the key) and is registered with cfg.Secret.
func New(cfg registry.Config, herokuURL, key string) *Client {
	if herokuURL == "" {
		herokuURL = DefaultHerokuRegistry
	}
	return &Client{cfg: cfg, heroku: cfg.Open(herokuURL, registry.Heroku(key))}
}

func (c *Client) jobs() int {
	if c.Jobs > 0 {
		return c.Jobs
	}
	return 4
}

// Image is a source image resolved and checked: what will be pushed.
type Image struct {
	Ref            string // as given
	Source         string // the manifest read, pinned: registry/path@sha256:…
	Platform       string // "linux/amd64"
	FromIndex      bool   // chosen from an index (attestations dropped)
	Converted      bool   // relabelled from OCI (or a mixed manifest)
	ManifestDigest string // of the schema 2 manifest to push
	ImageID        string // the config digest: Heroku's docker_image
	Revision       string // org.opencontainers.image.revision, "" without
	Layers         int
	Size           int64 // config and layers, compressed

	manifest []byte
	config   []byte
	blobs    []blobRef // layers
	src      name.Repository
	puller   *remote.Puller
}

// Resolve reads ref from its registry with creds and checks that Heroku
// can take it. Nothing is pushed. Errors: *Unsupported (the image cannot
// go as it is), *SourceError (the registry failed or refused), or a
// *registry.RefError for a reference that does not parse.
func (c *Client) Resolve(ctx context.Context, ref string, creds registry.Credentials) (*Image, error) {
	r, err := registry.ParseReference(ref)
	if err != nil {
		return nil, err
	}
	sess := c.cfg.Open(r.Context().RegistryStr(), creds)
	puller, err := remote.NewPuller(sess.Options(ctx)...)
	if err != nil {
		return nil, fromSource("reading "+ref, err)
	}
	desc, err := puller.Get(ctx, r)
	if err != nil {
		return nil, fromSource("reading manifest "+ref, err)
	}
	raw, mt := desc.Manifest, string(desc.MediaType)
	m, mt, err := parseManifest(raw, mt)
	if err != nil {
		return nil, fromSource("reading manifest "+ref, err)
	}
	img := &Image{Ref: ref, Source: r.Context().Digest(desc.Digest.String()).String(), Platform: "linux/amd64", src: r.Context(), puller: puller}
	if isIndex(mt) {
		d, err := choose(ref, m)
		if err != nil {
			if _, ok := err.(*malformed); ok {
				return nil, fromSource("reading index "+ref, err)
			}
			return nil, err
		}
		child := r.Context().Digest(d.Digest)
		desc, err = puller.Get(ctx, child)
		if err != nil {
			return nil, fromSource("reading manifest "+child.String(), err)
		}
		raw = desc.Manifest
		if m, mt, err = parseManifest(raw, string(desc.MediaType)); err != nil {
			return nil, fromSource("reading manifest "+child.String(), err)
		}
		img.Source, img.FromIndex = child.String(), true
	}
	if isIndex(mt) {
		return nil, fromSource("reading manifest "+img.Source, &malformed{"an index's entry is an index"})
	}
	out, err := toSchema2(ref, raw, m, mt)
	if err != nil {
		if _, ok := err.(*malformed); ok {
			return nil, fromSource("reading manifest "+img.Source, err)
		}
		return nil, err
	}
	img.manifest, img.ManifestDigest = out, digestOf(out)
	img.Converted = !bytes.Equal(out, raw)
	img.ImageID = m.Config.Digest
	img.Size = m.Config.Size
	for _, l := range m.Layers {
		img.blobs = append(img.blobs, blobRef{MediaType: DockerLayer, Size: l.Size, Digest: l.Digest})
		img.Size += l.Size
	}
	img.Layers = len(img.blobs)

	if img.config, err = readConfig(ctx, puller, r.Context(), m.Config); err != nil {
		return nil, fromSource("reading config of "+img.Source, err)
	}
	var cfg imageConfig
	if err := jsonUnmarshal(img.config, &cfg); err != nil {
		return nil, fromSource("reading config of "+img.Source, err)
	}
	if cfg.OS != "" && cfg.Architecture != "" && (cfg.OS != "linux" || cfg.Architecture != "amd64") {
		p := platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}
		return nil, platformError(ref, p.String())
	}
	img.Revision = cfg.Config.Labels[RevisionLabel]
	return img, nil
}

// readConfig reads a config blob whole, checking its size and digest.
func readConfig(ctx context.Context, p *remote.Puller, repo name.Repository, d descriptor) ([]byte, error) {
	if d.Size > maxConfig {
		return nil, &malformed{fmt.Sprintf("the config is %d bytes, more than an image config can be", d.Size)}
	}
	l, err := p.Layer(ctx, repo.Digest(d.Digest))
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, d.Size+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) != d.Size || digestOf(b) != d.Digest {
		return nil, &malformed{"the config blob does not match its digest"}
	}
	return b, nil
}
