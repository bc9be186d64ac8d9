package image

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Media types (OCI image-spec, Docker's image manifest v2 schema 2).
const (
	DockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	DockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	DockerConfig   = "application/vnd.docker.container.image.v1+json"
	DockerLayer    = "application/vnd.docker.image.rootfs.diff.tar.gzip"
	DockerSchema1  = "application/vnd.docker.distribution.manifest.v1+json"
	DockerSigned1  = "application/vnd.docker.distribution.manifest.v1+prettyjws"

	OCIManifest = "application/vnd.oci.image.manifest.v1+json"
	OCIIndex    = "application/vnd.oci.image.index.v1+json"
	OCIConfig   = "application/vnd.oci.image.config.v1+json"
	OCILayer    = "application/vnd.oci.image.layer.v1.tar+gzip"
)

// descriptor is a content descriptor of a manifest or an index.
type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Size        int64             `json:"size"`
	Digest      string            `json:"digest"`
	URLs        []string          `json:"urls,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *platform         `json:"platform,omitempty"`
}

type platform struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	Variant      string `json:"variant,omitempty"`
}

func (p *platform) String() string {
	if p == nil {
		return "no platform"
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// manifest is an image manifest (OCI or Docker schema 2) or an index
// (OCI or Docker manifest list); only the fields this package reads.
type manifest struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType,omitempty"`
	Config        descriptor   `json:"config"`
	Layers        []descriptor `json:"layers"`
	Manifests     []descriptor `json:"manifests"`
}

var sha256Digest = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)

// digestOf is the sha256 digest of b.
func digestOf(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

// malformed is an answer that is not a manifest: unknown, never absent.
type malformed struct{ what string }

func (e *malformed) Error() string { return e.what }

// parseManifest reads raw as a manifest; mediaType is the Content-Type it
// came with, used when the body does not say (older OCI manifests).
func parseManifest(raw []byte, mediaType string) (*manifest, string, error) {
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, "", &malformed{"the manifest is not JSON"}
	}
	mt := m.MediaType
	if mt == "" {
		mt = mediaType
	}
	if mt == "" || m.SchemaVersion == 0 {
		return nil, "", &malformed{"the manifest has no mediaType or schemaVersion"}
	}
	return &m, mt, nil
}

func isIndex(mt string) bool { return mt == OCIIndex || mt == DockerList }

// choose picks linux/amd64 from an index: attestation manifests
// (BuildKit's vnd.docker.reference.type = attestation-manifest, platform
// unknown/unknown) are dropped; of several linux/amd64 entries the one
// without a variant (or v1) wins, as docker pull picks. It returns the
// platforms it saw, for the error when none fits.
func choose(ref string, idx *manifest) (descriptor, error) {
	var seen []string
	var best *descriptor
	for i := range idx.Manifests {
		d := &idx.Manifests[i]
		if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" ||
			d.Platform == nil || d.Platform.OS == "unknown" || d.Platform.Architecture == "unknown" {
			continue
		}
		seen = append(seen, d.Platform.String())
		if d.Platform.OS != "linux" || d.Platform.Architecture != "amd64" {
			continue
		}
		if best == nil || (best.Platform.Variant != "" && best.Platform.Variant != "v1" && (d.Platform.Variant == "" || d.Platform.Variant == "v1")) {
			best = d
		}
	}
	if best == nil {
		found := "no platform at all"
		if len(seen) > 0 {
			found = strings.Join(seen, ", ")
		}
		return descriptor{}, platformError(ref, found)
	}
	if isIndex(best.MediaType) {
		return descriptor{}, &Unsupported{Ref: ref, Reason: NestedIndex,
			Detail: "its linux/amd64 entry is itself an index",
			Fix:    "build a single-platform image: --platform linux/amd64"}
	}
	if !sha256Digest.MatchString(best.Digest) {
		return descriptor{}, &malformed{fmt.Sprintf("the index's linux/amd64 entry has digest %q", best.Digest)}
	}
	return *best, nil
}

func platformError(ref, found string) error {
	return &Unsupported{Ref: ref, Reason: NoPlatform,
		Detail: "no linux/amd64 image (found " + found + "); Heroku runs linux/amd64 only",
		Fix:    "build it with --platform linux/amd64"}
}

// schema2 is Docker's image manifest v2 schema 2, fields in the order
// docker writes them.
type schema2 struct {
	SchemaVersion int       `json:"schemaVersion"`
	MediaType     string    `json:"mediaType"`
	Config        blobRef   `json:"config"`
	Layers        []blobRef `json:"layers"`
}

type blobRef struct {
	MediaType string `json:"mediaType"`
	Size      int64  `json:"size"`
	Digest    string `json:"digest"`
}

// toSchema2 turns an image manifest into the Docker v2 schema 2 manifest
// Heroku's registry takes. An OCI manifest is relabelled, media types
// only: the config and layer descriptors keep their digests and sizes, so
// the blobs are copied byte for byte and the config digest (Heroku's image
// id) stays the source's. go-containerregistry's mutate package is not
// used: it re-marshals the config and leaves OCI layer types behind
// (ggcr#1245, #1606). A Docker manifest with Docker types only is kept as
// it is, bytes and digest; a mixed one is relabelled. Layers Heroku cannot take are refused here, before any push.
func toSchema2(ref string, raw []byte, m *manifest, mt string) ([]byte, error) {
	switch mt {
	case DockerManifest, OCIManifest:
	case DockerSchema1, DockerSigned1:
		return nil, &Unsupported{Ref: ref, Reason: Schema1,
			Detail: "its manifest is Docker's schema 1, which Heroku's registry no longer takes",
			Fix:    "rebuild it with a current builder (Buildah, Docker 1.10 or later)"}
	default:
		return nil, &malformed{fmt.Sprintf("the manifest's media type is %q, not an image manifest", mt)}
	}
	switch m.Config.MediaType {
	case DockerConfig, OCIConfig:
	default:
		return nil, &Unsupported{Ref: ref, Reason: NotAnImage,
			Detail: fmt.Sprintf("its config is %q: an artifact, not a container image", m.Config.MediaType),
			Fix:    "give the reference of a container image"}
	}
	out := schema2{SchemaVersion: 2, MediaType: DockerManifest,
		Config: blobRef{MediaType: DockerConfig, Size: m.Config.Size, Digest: m.Config.Digest}}
	for _, d := range append([]descriptor{m.Config}, m.Layers...) {
		if !sha256Digest.MatchString(d.Digest) {
			return nil, &Unsupported{Ref: ref, Reason: NotSHA256,
				Detail: fmt.Sprintf("blob %q is not named by a sha256 digest", d.Digest),
				Fix:    "push it with sha256 digests (the default of every builder)"}
		}
		if d.Size <= 0 {
			return nil, &malformed{fmt.Sprintf("blob %s has size %d", d.Digest, d.Size)}
		}
	}
	relabel := mt != DockerManifest || m.Config.MediaType != DockerConfig
	for _, l := range m.Layers {
		if err := layerOK(ref, l); err != nil {
			return nil, err
		}
		relabel = relabel || l.MediaType != DockerLayer
		out.Layers = append(out.Layers, blobRef{MediaType: DockerLayer, Size: l.Size, Digest: l.Digest})
	}
	if len(out.Layers) == 0 {
		return nil, &malformed{"the manifest has no layers"}
	}
	if !relabel {
		// Already what Heroku takes: pushed as it is, same digest.
		return raw, nil
	}
	return json.MarshalIndent(out, "", "   ")
}

// layerOK refuses the layers Heroku's registry cannot take or that have
// no Docker media type.
func layerOK(ref string, l descriptor) error {
	short := l.Digest
	if len(short) > 19 {
		short = short[:19] + "…"
	}
	refuse := func(r Reason, fix string) error {
		return &Unsupported{Ref: ref, Reason: r, Detail: "layer " + short + " is " + l.MediaType, Fix: fix}
	}
	switch {
	case len(l.URLs) > 0 || strings.Contains(l.MediaType, "nondistributable") || strings.Contains(l.MediaType, ".foreign."):
		return refuse(NonDistributable, "build FROM a base image whose layers can be pushed (a Linux base, no foreign layers)")
	case strings.HasSuffix(l.MediaType, "+zstd") || strings.HasSuffix(l.MediaType, ".zstd"):
		return refuse(Zstd, "push it with gzip layers: buildah push --compression-format gzip, or docker buildx build --output type=image,compression=gzip")
	case l.MediaType == "application/vnd.oci.image.layer.v1.tar" || l.MediaType == "application/vnd.docker.image.rootfs.diff.tar":
		return refuse(Uncompressed, "push it with gzip layers: buildah push --compression-format gzip")
	case l.MediaType == OCILayer || l.MediaType == DockerLayer:
		return nil
	}
	return refuse(UnknownLayer, "push it with gzip layers (application/vnd.oci.image.layer.v1.tar+gzip)")
}

// imageConfig is the part of an image config this package reads.
type imageConfig struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	Variant      string `json:"variant"`
	Config       struct {
		Labels map[string]string `json:"Labels"`
	} `json:"config"`
}

// RevisionLabel is the label that names the commit an image was built
// from (OCI image-spec annotations.md, also used as a label).
const RevisionLabel = "org.opencontainers.image.revision"

// Revision reads the org.opencontainers.image.revision label of an image
// config; "" when it has none.
func Revision(config []byte) (string, error) {
	var c imageConfig
	if err := jsonUnmarshal(config, &c); err != nil {
		return "", err
	}
	return c.Config.Labels[RevisionLabel], nil
}

// jsonUnmarshal is json.Unmarshal whose failure is an answer not
// understood.
func jsonUnmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return &malformed{"the image config is not JSON"}
	}
	return nil
}
