// Command heroku-deploy deploys a directory to Heroku from CI.
package main

import (
	"os"

	"gitlab.com/heroku-deploy/heroku/internal/cli"
)

// version is stamped by the release build: -ldflags "-X main.version=1.2.3".
var version string

// main passes its name through: the image links dpl and gem to it, and
// it answers to them as dpl's drop-in.
func main() {
	os.Exit(cli.MainAs(os.Args[0], version, os.Args[1:]))
}
