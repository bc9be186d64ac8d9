//go:build ignore

// registries serves the two registry fakes on loopback for
// testdata/bench/run.sh: a GitLab-like source holding bench/app:latest, an
// OCI image of LAYERS gzip layers of SIZE_MB in all (incompressible data,
// as real layers are once compressed), and Heroku's registry taking any
// app for KEY, with mounts off so each run uploads everything.
//
//	go run testdata/bench/registries.go SOURCE_ADDR HEROKU_ADDR KEY JOB_TOKEN [SIZE_MB [LAYERS]]
package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"

	"gitlab.com/heroku-deploy/heroku/internal/registrysim"
)

func main() {
	if len(os.Args) < 5 {
		fmt.Fprintln(os.Stderr, "usage: registries SOURCE_ADDR HEROKU_ADDR KEY JOB_TOKEN [SIZE_MB [LAYERS]]")
		os.Exit(2)
	}
	size, layers := 200, 8
	if len(os.Args) > 5 {
		size, _ = strconv.Atoi(os.Args[5])
	}
	if len(os.Args) > 6 {
		layers, _ = strconv.Atoi(os.Args[6])
	}
	gl := registrysim.NewGitLab("gitlab-ci-token", os.Args[4])
	img := registrysim.Image{OCI: true, Labels: map[string]string{"org.opencontainers.image.revision": "0123456789abcdef0123456789abcdef01234567"}}
	for i := range layers {
		img.Layers = append(img.Layers, registrysim.RandomLayer(size<<20/layers, uint64(i+1)))
	}
	gl.PushImage("bench/app", "latest", img)
	h := registrysim.NewHeroku()
	h.Grant(os.Args[3], "*")
	h.NoMounts()
	go func() { fail(http.ListenAndServe(os.Args[1], gl)) }()
	fmt.Println("ready")
	fail(http.ListenAndServe(os.Args[2], h))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
