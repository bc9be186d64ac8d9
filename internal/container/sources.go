package container

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/credential"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/registry"
)

// Plan checks a deploy of images before any request: what a source
// deploy's flags cannot be, and each process type paired with its image
// (sources). creds reads the environment: $VARIABLES in --image-for and
// the credentials for pulling each image (credential.Reader.Registry).
func Plan(ask Ask, creds *credential.Reader) ([]Source, error) {
	if ask.Image == "" && len(ask.ProcessTypes) > 0 {
		return nil, outcome.Input("--process-types names the types that run --image, and there is no --image", "give --image REF, or give each type its image with --image-for TYPE=REF")
	}
	switch {
	case ask.DirName != "" && ask.DirName != ".":
		return nil, outcome.Input("--dir is for source deploys: an image deploy ships the image (--image), not a directory", "drop --dir (the dir input)")
	case len(ask.Buildpacks) > 0 || !ask.Exclude.Empty() || ask.Rebuild:
		return nil, outcome.Input("--buildpack, --exclude and --rebuild are for source deploys, not an image deploy (--image)")
	}
	return sources(ask.Image, ask.ProcessTypes, ask.ImageFor, creds.Lookup, creds.Registry)
}

// sources pairs each process type with its image, before any request:
// image for every type of types (web when none is named), and each
// imageFor's TYPE=REF, its $VARIABLES expanded through lookup. creds gives
// the credentials for pulling a reference. Errors are input refused, or
// creds'.
func sources(image string, types, imageFor []string, lookup func(string) (string, bool), creds func(ref string) (registry.Credentials, error)) ([]Source, error) {
	if image != "" && len(types) == 0 {
		types = []string{"web"}
	}
	refs := map[string]string{}
	var order []string
	for _, t := range types {
		t = strings.TrimSpace(t)
		if err := checkType("--process-types", t); err != nil {
			return nil, err
		}
		if _, dup := refs[t]; dup {
			return nil, outcome.Inputf("--process-types names %s twice", t)
		}
		refs[t] = image
		order = append(order, t)
	}
	given := map[string]bool{}
	for _, pair := range imageFor {
		t, ref, ok := strings.Cut(pair, "=")
		if !ok || ref == "" {
			return nil, outcome.Input(fmt.Sprintf("--image-for %q is not TYPE=REF", pair), "e.g. --image-for worker=registry.example.com/group/app/worker:1.2")
		}
		if err := checkType("--image-for", t); err != nil {
			return nil, err
		}
		var unset []string
		ref = os.Expand(ref, func(name string) string {
			v, ok := lookup(name)
			if !ok {
				unset = append(unset, "$"+name)
			}
			return v
		})
		if len(unset) > 0 {
			return nil, outcome.Inputf("--image-for %s: %s is not set", t, strings.Join(unset, ", "))
		}
		if given[t] {
			return nil, outcome.Inputf("--image-for gives %s an image twice", t)
		}
		given[t] = true
		if _, ok := refs[t]; !ok {
			order = append(order, t)
		}
		refs[t] = ref
	}
	var out []Source
	for _, t := range order {
		ref := refs[t]
		if strings.ContainsAny(ref, " \t\r\n") {
			return nil, outcome.Inputf("image reference of %s %q holds whitespace", t, ref)
		}
		c, err := creds(ref)
		if err != nil {
			return nil, err
		}
		out = append(out, Source{Type: t, Ref: ref, Creds: c})
	}
	return out, nil
}

// checkTypes checks the process types a promotion copies (web when none
// is named), before any request of its own.
func checkTypes(types []string) ([]string, error) {
	if len(types) == 0 {
		return []string{"web"}, nil
	}
	for i, t := range types {
		if err := checkType("--process-types", t); err != nil {
			return nil, err
		}
		if slices.Contains(types[:i], t) {
			return nil, outcome.Inputf("--process-types names %s twice", t)
		}
	}
	return types, nil
}

func checkType(flag, t string) error {
	if !herokuapi.ValidProcessType(t) {
		return outcome.Inputf("%s: %q is not a process type (letters, digits, - and _)", flag, t)
	}
	return nil
}
