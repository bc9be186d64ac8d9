package image

import (
	"errors"
	"fmt"

	"gitlab.com/heroku-deploy/heroku/internal/registry"
)

// Reason says why an image cannot go to Heroku's registry as it is.
type Reason string

const (
	NoPlatform       Reason = "no-linux-amd64"
	Zstd             Reason = "zstd-layer"
	Uncompressed     Reason = "uncompressed-layer"
	NonDistributable Reason = "non-distributable-layer"
	Schema1          Reason = "schema1"
	NotAnImage       Reason = "not-an-image"
	UnknownLayer     Reason = "unknown-layer-type"
	NestedIndex      Reason = "nested-index"
	NotSHA256        Reason = "not-sha256"
)

// Unsupported is an image that Heroku's registry cannot take, found while
// resolving it, before anything was pushed. Fix is the one line that
// tells how to build or push it so that it can.
type Unsupported struct {
	Ref    string // the source reference as given
	Reason Reason
	Detail string // what was found: "layer sha256:0123… is application/vnd.oci.image.layer.v1.tar+zstd"
	Fix    string
}

func (e *Unsupported) Error() string {
	return fmt.Sprintf("%s: %s; %s", e.Ref, e.Detail, e.Fix)
}

// SourceError is a failure of the source registry (reading the image).
// It wraps a *registry.Error.
type SourceError struct{ Err error }

func (e *SourceError) Error() string { return "source registry: " + e.Err.Error() }
func (e *SourceError) Unwrap() error { return e.Err }

// HerokuError is a failure of Heroku's registry. It wraps a
// *registry.Error.
type HerokuError struct{ Err error }

func (e *HerokuError) Error() string { return "Heroku's registry: " + e.Err.Error() }
func (e *HerokuError) Unwrap() error { return e.Err }

// ReadBackError is a push whose read-back shows another manifest under
// the tag than the one pushed: someone pushed in between, or the registry
// rewrote it. Nothing was released.
type ReadBackError struct {
	Repository string
	Want, Got  string // manifest digests
	Detail     string
}

func (e *ReadBackError) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("%s:latest read back after the push: %s", e.Repository, e.Detail)
	}
	return fmt.Sprintf("%s:latest read back after the push is %s, not the %s pushed (another push in between?)", e.Repository, e.Got, e.Want)
}

// sourceErr marks an error of the source registry on its way through
// go-containerregistry's push, so that the caller learns which registry
// failed.
type sourceErr struct{ err error }

func (e *sourceErr) Error() string { return e.err.Error() }
func (e *sourceErr) Unwrap() error { return e.err }

// fromSource wraps err of an operation on the source registry.
func fromSource(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *SourceError
	if errors.As(err, &se) {
		return se
	}
	return &SourceError{Err: registry.Wrap(op, err)}
}

// fromHeroku wraps err of an operation on Heroku's registry, unless the
// source failed under it (a layer streamed from there).
func fromHeroku(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *SourceError
	if errors.As(err, &se) {
		return se
	}
	var inner *sourceErr
	if errors.As(err, &inner) {
		return &SourceError{Err: registry.Wrap(op, inner.err)}
	}
	var he *HerokuError
	if errors.As(err, &he) {
		return he
	}
	return &HerokuError{Err: registry.Wrap(op, err)}
}
