// Package review is what review apps add to a deploy: the name of a merge
// request's app, and whether an app is one (naming.go); finding or
// creating the app, from app.json through an app setup or bare, with its
// config (create.go); and the safety checks that stand between a typo and
// the deletion of a production app (safety.go).
package review

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// The naming rule. A review app is named PREFIX-mr-IID. Heroku's app names
// are at most 30 characters (^[a-z][a-z0-9-]{1,28}[a-z0-9]$): when
// PREFIX-mr-IID is longer, the prefix is cut to what leaves room for a dash
// and six hex digits of the SHA-256 of the whole prefix, trailing dashes
// of the cut removed, so two long prefixes that start alike still name
// different apps. The same prefix and merge request always give the same
// name: the stop job and the sweep find the app without state.
//
// A name is read back by its prefix (MR), so no name may be both a
// literal one and a cut-and-hashed one: a literal prefix that ends as a
// hashed name's start does ("customer-portal-f-5efa36", copied from the
// app customer-portal-f-5efa36-mr-42 of prefix
// customer-portal-frontend-web) would name, and match, the other prefix's
// apps. So a prefix must not end in a dash and six hex digits: every name
// whose part before -mr-IID ends so was cut and hashed, and no other.
const (
	// maxName is Heroku's longest app name.
	maxName = 30
	// maxPrefix bounds a prefix: it names jobs and environments too.
	maxPrefix = 63
	// maxIIDDigits bounds a merge request's IID: ten digits still leave
	// nine characters of the prefix in a name.
	maxIIDDigits = 10
	hashLen      = 6
)

var (
	prefixRE = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
	// hashedRE is how a cut-and-hashed prefix ends.
	hashedRE = regexp.MustCompile(`-[0-9a-f]{6}$`)
	iidRE    = regexp.MustCompile(`^[1-9][0-9]{0,9}$`)
	// reviewRE splits a name at its last -mr-IID.
	reviewRE = regexp.MustCompile(`^(.+)-mr-([1-9][0-9]{0,9})$`)
)

// CheckPrefix applies the prefix rule: a lowercase letter, then lowercase
// letters, digits and dashes, not ending in a dash, at most maxPrefix
// characters, and not ending in a dash and six hex digits (what a cut and
// hashed name's prefix ends in).
func CheckPrefix(p string) error {
	if len(p) > maxPrefix || !prefixRE.MatchString(p) {
		return fmt.Errorf("review app prefix %q: want a lowercase letter, then lowercase letters, digits or dashes, not ending in a dash, at most %d characters", p, maxPrefix)
	}
	if hashedRE.MatchString(p) {
		return fmt.Errorf("review app prefix %q ends in a dash and six hex digits, as the cut and hashed names of long prefixes do: it could name another prefix's review apps; "+
			"give the prefix review deploy was given (not the start of an app's name), or one that does not end so", p)
	}
	return nil
}

// CheckMR applies the rule of a merge request IID: a positive decimal
// number without leading zeros, at most maxIIDDigits digits.
func CheckMR(iid string) error {
	if !iidRE.MatchString(iid) {
		return fmt.Errorf("merge request %q: want its IID, a positive number of at most %d digits (CI_MERGE_REQUEST_IID)", iid, maxIIDDigits)
	}
	return nil
}

// Name is the review app of merge request iid under prefix. Both must
// have passed their checks.
func Name(prefix, iid string) string {
	suffix := "-mr-" + iid
	if len(prefix)+len(suffix) <= maxName {
		return prefix + suffix
	}
	sum := sha256.Sum256([]byte(prefix))
	keep := maxName - len(suffix) - 1 - hashLen
	cut := strings.TrimRight(prefix[:keep], "-")
	return cut + "-" + hex.EncodeToString(sum[:])[:hashLen] + suffix
}

// MR returns the merge request whose review app under prefix is app, if
// app is one: the name is read back and compared with what Name gives, so
// nothing else matches, however alike.
func MR(prefix, app string) (iid string, ok bool) {
	m := reviewRE.FindStringSubmatch(app)
	if m == nil || CheckPrefix(prefix) != nil || Name(prefix, m[2]) != app {
		return "", false
	}
	return m[2], true
}
