package registrysim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"math/rand/v2"
	"sort"
	"time"
)

// Layer is a gzip-compressed tar layer holding files (name -> content).
func Layer(files map[string]string) []byte {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg})
		io.WriteString(tw, files[n])
	}
	tw.Close()
	return gzipped(tb.Bytes(), gzip.BestSpeed)
}

// RandomLayer is a layer of about n incompressible bytes, quick to make:
// one file of random bytes from seed, gzip without compression.
func RandomLayer(n int, seed uint64) []byte {
	data := make([]byte, n)
	rng := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)})
	rng.Read(data)
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: "data.bin", Mode: 0o644, Size: int64(n), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg})
	tw.Write(data)
	tw.Close()
	return gzipped(tb.Bytes(), gzip.NoCompression)
}

func gzipped(b []byte, level int) []byte {
	var gb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gb, level)
	zw.Write(b)
	zw.Close()
	return gb.Bytes()
}

// Image describes an image to store in a registry.
type Image struct {
	OCI       bool     // OCI media types (Buildah's and Podman's default), else Docker's
	Layers    [][]byte // blobs as stored (Layer, RandomLayer, or any bytes)
	LayerType string   // media type of every layer; "": gzip of the format
	URLs      []string // foreign layer URLs on every layer (non-distributable)
	OS, Arch  string   // "": linux/amd64
	Variant   string
	Labels    map[string]string
}

// Media types of the builders' output.
const (
	OCIManifest    = ociManifest
	OCIIndex       = ociIndex
	OCIConfig      = "application/vnd.oci.image.config.v1+json"
	OCILayer       = "application/vnd.oci.image.layer.v1.tar+gzip"
	OCILayerZstd   = "application/vnd.oci.image.layer.v1.tar+zstd"
	OCILayerPlain  = "application/vnd.oci.image.layer.v1.tar"
	OCILayerNondis = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
	DockerManifest = dockerManifest
	DockerList     = dockerList
	DockerConfig   = dockerConfig
	DockerLayer    = dockerLayer
)

func (img Image) platform() (string, string) {
	os, arch := img.OS, img.Arch
	if os == "" {
		os = "linux"
	}
	if arch == "" {
		arch = "amd64"
	}
	return os, arch
}

// Config is the image config JSON the builders write; it carries a field
// no Go struct of the client knows, so a re-marshalled config shows.
func (img Image) Config() []byte {
	os, arch := img.platform()
	diffs := []string{}
	for _, l := range img.Layers {
		diffs = append(diffs, diffID(l))
	}
	cfg := map[string]any{
		"architecture": arch, "os": os,
		"config":    map[string]any{"Cmd": []string{"sh"}, "Labels": img.Labels},
		"rootfs":    map[string]any{"type": "layers", "diff_ids": diffs},
		"history":   []map[string]any{{"created_by": "registrysim"}},
		"x-builder": map[string]any{"kept": "byte for byte", "order": []int{3, 1, 2}},
	}
	if img.Variant != "" {
		cfg["variant"] = img.Variant
	}
	b, _ := json.Marshal(cfg)
	// Two spaces after the colon: a layout json.Marshal never writes.
	return bytes.Replace(b, []byte(`"x-builder":`), []byte(`"x-builder":  `), 1)
}

// diffID is the digest of the uncompressed layer when it is gzip, else of
// the blob itself.
func diffID(l []byte) string {
	if zr, err := gzip.NewReader(bytes.NewReader(l)); err == nil {
		if b, err := io.ReadAll(zr); err == nil {
			return digestOf(b)
		}
	}
	return digestOf(l)
}

// Manifest returns the image's manifest and config as a builder writes
// them, and the media type of the manifest.
func (img Image) Manifest() (manifest []byte, config []byte, mediaType string) {
	config = img.Config()
	mt, ct, lt := DockerManifest, DockerConfig, DockerLayer
	if img.OCI {
		mt, ct, lt = OCIManifest, OCIConfig, OCILayer
	}
	if img.LayerType != "" {
		lt = img.LayerType
	}
	type desc struct {
		MediaType string   `json:"mediaType"`
		Digest    string   `json:"digest"`
		Size      int      `json:"size"`
		URLs      []string `json:"urls,omitempty"`
	}
	m := struct {
		SchemaVersion int               `json:"schemaVersion"`
		MediaType     string            `json:"mediaType"`
		Config        desc              `json:"config"`
		Layers        []desc            `json:"layers"`
		Annotations   map[string]string `json:"annotations,omitempty"`
	}{SchemaVersion: 2, MediaType: mt, Config: desc{MediaType: ct, Digest: digestOf(config), Size: len(config)}}
	for _, l := range img.Layers {
		m.Layers = append(m.Layers, desc{MediaType: lt, Digest: digestOf(l), Size: len(l), URLs: img.URLs})
	}
	if img.OCI {
		m.Annotations = map[string]string{"org.opencontainers.image.created": "2026-01-01T00:00:00Z"}
	}
	manifest, _ = json.Marshal(m)
	return manifest, config, mt
}

// PushImage stores img in repo under tag (no tag: by digest only) and
// returns its manifest and config digests.
func (r *Registry) PushImage(repo, tag string, img Image) (manifest, config string) {
	m, c, mt := img.Manifest()
	config = r.PutBlob(repo, c)
	for _, l := range img.Layers {
		r.PutBlob(repo, l)
	}
	return r.PutManifest(repo, tag, mt, m), config
}

// PushIndex stores an index of imgs in repo under tag (an OCI index, or a
// Docker manifest list when oci is false), each entry with its platform;
// attest adds BuildKit's attestation manifest for each image, platform
// unknown/unknown. It returns the index digest and the images' manifest
// digests.
func (r *Registry) PushIndex(repo, tag string, oci, attest bool, imgs ...Image) (string, []string) {
	type platform struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
		Variant      string `json:"variant,omitempty"`
	}
	type entry struct {
		MediaType   string            `json:"mediaType"`
		Digest      string            `json:"digest"`
		Size        int               `json:"size"`
		Platform    platform          `json:"platform"`
		Annotations map[string]string `json:"annotations,omitempty"`
	}
	var entries []entry
	var digests []string
	for _, img := range imgs {
		m, _, mt := img.Manifest()
		d, _ := r.PushImage(repo, "", img)
		digests = append(digests, d)
		os, arch := img.platform()
		entries = append(entries, entry{MediaType: mt, Digest: d, Size: len(m), Platform: platform{os, arch, img.Variant}})
		if attest {
			statement := []byte(`{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://slsa.dev/provenance/v0.2"}`)
			cfg := []byte(`{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":["` + digestOf(statement) + `"]}}`)
			am, _ := json.Marshal(map[string]any{
				"schemaVersion": 2, "mediaType": ociManifest,
				"config": map[string]any{"mediaType": OCIConfig, "digest": digestOf(cfg), "size": len(cfg)},
				"layers": []map[string]any{{"mediaType": "application/vnd.in-toto+json", "digest": digestOf(statement), "size": len(statement),
					"annotations": map[string]string{"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"}}},
			})
			r.PutBlob(repo, cfg)
			r.PutBlob(repo, statement)
			ad := r.PutManifest(repo, "", ociManifest, am)
			entries = append(entries, entry{MediaType: ociManifest, Digest: ad, Size: len(am), Platform: platform{"unknown", "unknown", ""},
				Annotations: map[string]string{"vnd.docker.reference.digest": d, "vnd.docker.reference.type": "attestation-manifest"}})
		}
	}
	mt := DockerList
	if oci {
		mt = OCIIndex
	}
	idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": mt, "manifests": entries})
	return r.PutManifest(repo, tag, mt, idx), digests
}
