package dpl

import (
	"slices"
	"strings"
)

// gemValueFlags are gem install's options that take the next argument as
// their value (`-v 1.10.16`), so that it is not read as a gem's name.
var gemValueFlags = []string{"-v", "--version", "-s", "--source", "-i", "--install-dir", "-n", "--bindir", "--platform", "-P", "--trust-policy", "-g", "--file"}

// Gem reads a gem command line: `gem install dpl` (with dpl's own gems,
// dpl-heroku and the like, and any options: versions, --pre,
// --no-document) is nothing to do, dpl being built in; anything else is
// input refused (an *outcome.Error), this image having no Ruby.
func Gem(args []string) error {
	hint := []string{"this image has no Ruby: `gem install dpl` is the only gem command it answers (dpl is built in); delete the line, and any apt-get or apk line before it"}
	if len(args) == 0 || args[0] != "install" {
		return errorf(hint, "gem %s: not available in the heroku-deploy image", safeWord(args))
	}
	var gems []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case slices.Contains(gemValueFlags, a):
			i++ // its value
		case strings.HasPrefix(a, "-"):
		default:
			gems = append(gems, a)
		}
	}
	if len(gems) == 0 {
		return errorf(hint, "gem install: which gem?")
	}
	for _, g := range gems {
		if name, _, _ := strings.Cut(g, ":"); name != "dpl" && !strings.HasPrefix(name, "dpl-") {
			return errorf(hint, "gem install %s: not available in the heroku-deploy image", safeName(strings.ToLower(g)))
		}
	}
	return nil
}

// safeWord is the gem subcommand, when it is a plain word.
func safeWord(args []string) string {
	if len(args) == 0 {
		return "(no command)"
	}
	return safeName(args[0])
}
