package image

import (
	"context"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Latest reads what <app>/<type>:latest holds in Heroku's registry: its
// manifest digest, image id (config digest) and revision label. For
// container promotion: the caller checks it against what the app runs.
// Errors: *HerokuError (NotFound when there is no such tag).
func (c *Client) Latest(ctx context.Context, app, typ string) (*Current, error) {
	repo, err := c.heroku.Repository(app + "/" + typ)
	if err != nil {
		return nil, err
	}
	cur, err := c.readBack(ctx, repo.Tag("latest"))
	if err != nil {
		return nil, err
	}
	puller, err := remote.NewPuller(c.heroku.Options(ctx)...)
	if err != nil {
		return nil, fromHeroku("reading "+cur.Repository, err)
	}
	cfg, err := readConfig(ctx, puller, repo, cur.m.Config)
	if err != nil {
		return nil, fromHeroku("reading config of "+cur.Repository+"@"+cur.ManifestDigest, err)
	}
	if cur.Revision, err = Revision(cfg); err != nil {
		return nil, fromHeroku("reading config of "+cur.Repository+"@"+cur.ManifestDigest, err)
	}
	return cur, nil
}

// Copy copies the image <from>/<type>@manifestDigest to <to>/<type>:latest
// within Heroku's registry, for container promotion: the manifest goes as
// it is (same digest, same image id) and each blob is mounted from the
// source repository, nothing downloaded. Should the registry not honour a
// mount, that blob is streamed from one repository to the other (Mounted
// and Uploaded in the result tell). The result is read back.
// Errors: *HerokuError, *ReadBackError.
func (c *Client) Copy(ctx context.Context, from, to, typ, manifestDigest string) (Pushed, error) {
	src, err := c.heroku.Repository(from + "/" + typ)
	if err != nil {
		return Pushed{}, err
	}
	dst, err := c.heroku.Repository(to + "/" + typ)
	if err != nil {
		return Pushed{}, err
	}
	if !sha256Digest.MatchString(manifestDigest) {
		return Pushed{}, fromHeroku("copying "+src.RepositoryStr(), &malformed{"the manifest digest " + manifestDigest + " is not a sha256 digest"})
	}
	cur, err := c.readBack(ctx, src.Digest(manifestDigest))
	if err != nil {
		return Pushed{}, err
	}
	puller, err := remote.NewPuller(c.heroku.Options(ctx)...)
	if err != nil {
		return Pushed{}, fromHeroku("copying "+src.RepositoryStr(), err)
	}
	pusher, err := remote.NewPusher(c.heroku.Options(ctx)...)
	if err != nil {
		return Pushed{}, fromHeroku("copying to "+dst.RepositoryStr(), err)
	}
	var blobs []v1.Layer
	for _, d := range append([]descriptor{cur.m.Config}, cur.m.Layers...) {
		b := &sourceBlob{ctx: ctx, puller: puller, ref: src.Digest(d.Digest), d: blobRef{MediaType: d.MediaType, Size: d.Size, Digest: d.Digest}}
		blobs = append(blobs, &remote.MountableLayer{Layer: b, Reference: src.Digest(d.Digest)})
	}
	p, err := c.push(ctx, pusher, to, dst, blobs, cur.manifest)
	if err != nil {
		return p, err
	}
	if p.ImageID != cur.ImageID {
		return p, &ReadBackError{Repository: p.Repository, Want: cur.ManifestDigest, Got: p.ManifestDigest}
	}
	return p, nil
}
