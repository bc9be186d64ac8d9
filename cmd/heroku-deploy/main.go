// Command heroku-deploy deploys a directory to Heroku from CI.
package main

import (
	"os"

	"gitlab.com/heroku-deploy/heroku/internal/cli"
)

// version is stamped by the release build: -ldflags "-X main.version=1.2.3".
var version string

func main() {
	os.Exit(cli.Main(version, os.Args[1:]))
}
