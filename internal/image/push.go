package image

import (
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"gitlab.com/heroku-deploy/heroku/internal/registry"
	"gitlab.com/heroku-deploy/heroku/internal/rescue"
)

// Pushed is an image as Heroku's registry holds it after a push, read back.
type Pushed struct {
	Repository     string // "<app>/<type>"
	ManifestDigest string // what <app>/<type>:latest holds (HEROKU_IMAGE_DIGEST)
	ImageID        string // its config.digest, the docker_image to release (HEROKU_IMAGE_ID)
	// What happened to the blobs: found there, mounted from another of
	// the app's repositories, uploaded (and the bytes); FailedUploads
	// counts upload attempts that failed and were done again whole.
	Skipped, Mounted, Uploaded, FailedUploads int
	UploadedBytes                             int64
	// ManifestRetried: the manifest PUT failed with no clear answer and
	// the read-back found it stored.
	ManifestRetried bool
}

// Push pushes img to <app>/<type>:latest for each type, in order: the
// first from the source, streamed several blobs at a time; the others
// mount the blobs from it. A blob the repository has is skipped; a blob
// this client pushed earlier to another of the app's repositories is
// mounted from there. Each push is read back: the result is what the tag
// holds, which must be the manifest pushed.
//
// Errors: *SourceError, *HerokuError (each wrapping a *registry.Error),
// *ReadBackError. An upload that fails is done again whole from a new
// upload session, at most Retry.Attempts times; a manifest PUT that gets
// no clear answer is read back before it is sent again.
func (c *Client) Push(ctx context.Context, img *Image, app string, types ...string) ([]Pushed, error) {
	pusher, err := remote.NewPusher(c.heroku.Options(ctx)...)
	if err != nil {
		return nil, fromHeroku("pushing", err)
	}
	var out []Pushed
	for _, typ := range types {
		repo, err := c.heroku.Repository(app + "/" + typ)
		if err != nil {
			return out, err
		}
		blobs := []v1.Layer{&memBlob{b: img.config, mt: DockerConfig}}
		for _, d := range img.blobs {
			blobs = append(blobs, &sourceBlob{ctx: ctx, puller: img.puller, ref: img.src.Digest(d.Digest), d: d, source: true})
		}
		p, err := c.push(ctx, pusher, app, repo, blobs, img.manifest)
		if err != nil {
			return out, err
		}
		if p.ImageID != img.ImageID {
			return out, &ReadBackError{Repository: p.Repository, Want: img.ManifestDigest, Got: p.ManifestDigest,
				Detail: "its config digest is " + p.ImageID + ", not the source's " + img.ImageID}
		}
		out = append(out, p)
	}
	return out, nil
}

// push uploads blobs to repo (skip, mount or stream), then the manifest
// as latest, and reads it back.
func (c *Client) push(ctx context.Context, pusher *remote.Pusher, app string, repo name.Repository, blobs []v1.Layer, manifest []byte) (Pushed, error) {
	p := Pushed{Repository: repo.RepositoryStr()}
	var stats registry.Stats
	sctx := registry.WithStats(ctx, &stats)
	g, gctx := errgroup.WithContext(sctx)
	g.SetLimit(c.jobs())
	for _, b := range blobs {
		d, _ := b.Digest()
		l := b
		_, mountable := b.(*remote.MountableLayer)
		if from, ok := c.placed(app, d.String()); ok && !mountable && from != repo.RepositoryStr() {
			if fr, err := c.heroku.Repository(from); err == nil {
				l = &remote.MountableLayer{Layer: b, Reference: fr.Digest(d.String())}
			}
		}
		g.Go(func() error {
			defer rescue.Guard()
			if err := pusher.Upload(gctx, repo, l); err != nil {
				return fromHeroku("pushing blob "+short(d.String())+" to "+repo.RepositoryStr(), err)
			}
			c.place(app, d.String(), repo.RepositoryStr())
			return nil
		})
	}
	err := g.Wait()
	p.Skipped, p.Mounted, p.Uploaded = int(stats.Skipped.Load()), int(stats.Mounted.Load()), int(stats.Uploaded.Load())
	p.FailedUploads, p.UploadedBytes = int(stats.FailedUploads.Load()), stats.UploadedBytes.Load()
	if err != nil {
		return p, err
	}

	want := digestOf(manifest)
	tag := repo.Tag("latest")
	if err := pusher.Put(ctx, tag, rawManifest(manifest)); err != nil {
		// A PUT whose answer was lost or a 5xx may have been stored: find
		// out before anything else.
		if !registry.IsKind(registry.Wrap("", err), registry.Unavailable) || ctx.Err() != nil {
			return p, fromHeroku("pushing manifest "+repo.RepositoryStr()+":latest", err)
		}
		got, rerr := c.readBack(ctx, tag)
		if rerr != nil || got.ManifestDigest != want {
			return p, fromHeroku("pushing manifest "+repo.RepositoryStr()+":latest", err)
		}
		p.ManifestRetried = true
	}
	got, err := c.readBack(ctx, tag)
	if err != nil {
		return p, err
	}
	if got.ManifestDigest != want {
		return p, &ReadBackError{Repository: p.Repository, Want: want, Got: got.ManifestDigest}
	}
	p.ManifestDigest, p.ImageID = got.ManifestDigest, got.ImageID
	return p, nil
}

// placed tells which of app's repositories this client pushed blob to.
func (c *Client) placed(app, blob string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.where[app+" "+blob]
	return r, ok
}

func (c *Client) place(app, blob, repo string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.where == nil {
		c.where = map[string]string{}
	}
	if _, ok := c.where[app+" "+blob]; !ok {
		c.where[app+" "+blob] = repo
	}
}

// Current is what a repository's latest tag holds.
type Current struct {
	Repository     string
	ManifestDigest string
	ImageID        string
	Revision       string // org.opencontainers.image.revision; Latest only
	manifest       []byte
	m              *manifest
}

// readBack reads tag's manifest as Heroku's CLI does before a release:
// Docker schema 2 only (heroku/cli src/commands/container/release.ts).
func (c *Client) readBack(ctx context.Context, tag name.Reference) (*Current, error) {
	op := "reading back " + tag.Context().RepositoryStr() + ":" + tag.Identifier()
	puller, err := remote.NewPuller(c.heroku.Options(ctx)...)
	if err != nil {
		return nil, fromHeroku(op, err)
	}
	desc, err := puller.Get(ctx, tag)
	if err != nil {
		return nil, fromHeroku(op, err)
	}
	m, mt, err := parseManifest(desc.Manifest, string(desc.MediaType))
	if err == nil && (mt != DockerManifest || !sha256Digest.MatchString(m.Config.Digest)) {
		err = &malformed{"the manifest is " + mt + " with config " + m.Config.Digest + ", not a Docker schema 2 image"}
	}
	if err != nil {
		return nil, fromHeroku(op, err)
	}
	return &Current{Repository: tag.Context().RepositoryStr(), ManifestDigest: desc.Digest.String(), ImageID: m.Config.Digest, manifest: desc.Manifest, m: m}, nil
}

func short(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}

// rawManifest is a manifest pushed as its bytes, labelled Docker schema 2.
type rawManifest []byte

func (m rawManifest) RawManifest() ([]byte, error)        { return m, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return DockerManifest, nil }

// memBlob is a blob held in memory (the config).
type memBlob struct {
	b  []byte
	mt types.MediaType
}

func (b *memBlob) Digest() (v1.Hash, error)             { return v1.NewHash(digestOf(b.b)) }
func (b *memBlob) DiffID() (v1.Hash, error)             { return b.Digest() }
func (b *memBlob) Size() (int64, error)                 { return int64(len(b.b)), nil }
func (b *memBlob) MediaType() (types.MediaType, error)  { return b.mt, nil }
func (b *memBlob) Compressed() (io.ReadCloser, error)   { return io.NopCloser(bytes.NewReader(b.b)), nil }
func (b *memBlob) Uncompressed() (io.ReadCloser, error) { return b.Compressed() }

// sourceBlob is a layer streamed from a registry as it is uploaded:
// nothing is held but the copy buffers. The failures of a source
// registry's are marked as the source's.
type sourceBlob struct {
	ctx    context.Context
	puller *remote.Puller
	ref    name.Digest
	d      blobRef
	source bool // the source registry, not Heroku's
}

var errNoDiff = errors.New("a streamed layer is never decompressed")

func (b *sourceBlob) Digest() (v1.Hash, error)             { return v1.NewHash(b.d.Digest) }
func (b *sourceBlob) DiffID() (v1.Hash, error)             { return v1.Hash{}, errNoDiff }
func (b *sourceBlob) Size() (int64, error)                 { return b.d.Size, nil }
func (b *sourceBlob) MediaType() (types.MediaType, error)  { return types.MediaType(b.d.MediaType), nil }
func (b *sourceBlob) Uncompressed() (io.ReadCloser, error) { return nil, errNoDiff }

func (b *sourceBlob) Compressed() (io.ReadCloser, error) {
	op := "reading layer " + short(b.d.Digest) + " of " + b.ref.Context().String()
	l, err := b.puller.Layer(b.ctx, b.ref)
	if err == nil {
		var rc io.ReadCloser
		if rc, err = l.Compressed(); err == nil {
			if !b.source {
				return rc, nil
			}
			return &sourceReader{rc: rc, op: op}, nil
		}
	}
	if b.source {
		return nil, fromSource(op, err)
	}
	return nil, err
}

// sourceReader marks read errors as the source's, so that a cut source
// stream is not taken for Heroku's failure.
type sourceReader struct {
	rc io.ReadCloser
	op string
}

func (r *sourceReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	if err != nil && err != io.EOF {
		err = &sourceErr{err: registry.Wrap(r.op, err)}
	}
	return n, err
}

func (r *sourceReader) Close() error { return r.rc.Close() }
