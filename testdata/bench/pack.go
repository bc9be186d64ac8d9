//go:build ignore

// pack runs heroku-deploy's packaging step alone (archive + SHA-256 to a
// temporary file), for testdata/bench/run.sh.
//
//	go run testdata/bench/pack.go DIR
package main

import (
	"context"
	"fmt"
	"os"

	"gitlab.com/heroku-deploy/heroku/internal/archive"
)

func main() {
	res, err := archive.Create(context.Background(), archive.Options{Dir: os.Args[1]})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer res.Remove()
	fmt.Printf("%d bytes\n", res.Size)
}
