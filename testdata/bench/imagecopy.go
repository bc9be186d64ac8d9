//go:build ignore

// imagecopy copies a container image to Heroku's registry with
// heroku-deploy's library (internal/image), as the container deploy will,
// for testdata/bench/run.sh:
//
//	HEROKU_API_KEY=… go run testdata/bench/imagecopy.go SRC_REF HEROKU_REGISTRY_URL APP [TYPE]
//
// Source credentials come from CI_REGISTRY/CI_REGISTRY_USER/
// CI_REGISTRY_PASSWORD or DOCKER_AUTH_CONFIG, as in a job.
package main

import (
	"context"
	"fmt"
	"os"

	"gitlab.com/heroku-deploy/heroku/internal/image"
	"gitlab.com/heroku-deploy/heroku/internal/registry"
)

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: imagecopy SRC_REF HEROKU_REGISTRY_URL APP [TYPE]")
		os.Exit(2)
	}
	typ := "web"
	if len(os.Args) > 4 {
		typ = os.Args[4]
	}
	ctx := context.Background()
	creds, err := registry.ForSource(os.Args[1], os.Getenv)
	if err != nil {
		fail(err)
	}
	c := image.New(registry.Config{UserAgent: "heroku-deploy-bench"}, os.Args[2], os.Getenv("HEROKU_API_KEY"))
	img, err := c.Resolve(ctx, os.Args[1], creds)
	if err != nil {
		fail(err)
	}
	pushed, err := c.Push(ctx, img, os.Args[3], typ)
	if err != nil {
		fail(err)
	}
	p := pushed[0]
	fmt.Printf("%s %s: image id %s, %d uploaded (%d bytes), %d skipped, %d mounted\n",
		p.Repository, p.ManifestDigest, p.ImageID, p.Uploaded, p.UploadedBytes, p.Skipped, p.Mounted)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
