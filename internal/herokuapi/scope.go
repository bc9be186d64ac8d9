package herokuapi

import (
	"errors"
	"slices"
	"strings"
)

// Heroku's OAuth scopes, as the API's author designed them (brandur,
// "Scoping and OAuth 2", 2013: github.com/brandur/sorg
// content/articles/oauth-scope.md; Dev Center "Heroku OAuth"):
//
//	identity         GET /account, nothing else
//	read             apps and their subresources, except protected ones
//	                 ("config vars and releases")
//	write            read, and writes to unprotected subresources
//	read-protected   read, protected subresources included
//	write-protected  read-protected and write, protected writes included
//	global           everything
//
// Every answer carries the key's scopes (Oauth-Scope) and the scopes the
// call accepts (Oauth-Scope-Accepted), space-separated; the accepted list
// names every scope that grants the call, supersets included ("global
// write write-protected" for PATCH /apps/{app}/formation: a real answer in
// terraform-provider-heroku's debug log, 2022). A key may hold several
// scopes (heroku authorizations:create --scope write,read-protected; the
// CLI splits the flag on commas).

// scopeRank orders the scopes heroku-deploy knows from narrowest to
// widest; write and read-protected are side by side (neither holds the
// other).
var scopeRank = map[string]int{"identity": 0, "read": 1, "write": 2, "read-protected": 2, "write-protected": 3, "global": 4}

// holds lists what each scope grants besides itself.
var holds = map[string][]string{
	"write":           {"read"},
	"read-protected":  {"read"},
	"write-protected": {"read", "write", "read-protected"},
	"global":          {"identity", "read", "write", "read-protected", "write-protected"},
}

// Scopes splits a scope header: space- or comma-separated.
func Scopes(h string) []string {
	return strings.FieldsFunc(h, func(r rune) bool { return r == ',' || r == ' ' })
}

// ScopeRefused is err's 403 when its headers show the cause: none of the
// key's scopes is one the call accepts. A 403 without both headers, or
// whose key holds an accepted scope (no access to the app, a second
// factor), is refused for another reason: nil.
func ScopeRefused(err error) *Error {
	var e *Error
	if !errors.As(err, &e) || e.Unknown || e.Status != 403 || e.Scope == "" || e.Accepted == "" {
		return nil
	}
	accepted := Scopes(e.Accepted)
	for _, s := range Scopes(e.Scope) {
		if slices.Contains(accepted, s) {
			return nil
		}
	}
	return e
}

// ScopeFix is what a key needs for a call that accepts accepted (the
// Oauth-Scope-Accepted header): add, the scopes to add, and scopes, the
// key's scopes (have, the Oauth-Scope header) with add, every scope
// another of the list holds dropped, in the comma-separated form heroku
// authorizations:create --scope takes ("write" and "read-protected":
// "write,read-protected"; "write" and "write-protected":
// "write-protected"). add is want (what the whole command needs, "" for
// unknown) when the call accepts one of its scopes, else the narrowest
// scope the call accepts; "" when accepted names no scope known here.
// identity is dropped: no call heroku-deploy makes takes it.
func ScopeFix(have, accepted, want string) (add, scopes string) {
	acc := Scopes(accepted)
	for _, s := range Scopes(want) {
		if slices.Contains(acc, s) {
			add = strings.Join(Scopes(want), ",")
		}
	}
	if add == "" {
		best := -1
		for _, s := range acc {
			if r, ok := scopeRank[s]; ok && r > 0 && (best < 0 || r < best) {
				add, best = s, r
			}
		}
	}
	if add == "" {
		return "", ""
	}
	list := []string{}
	for _, s := range append(Scopes(have), Scopes(add)...) {
		if s != "identity" && !slices.Contains(list, s) {
			list = append(list, s)
		}
	}
	var keep []string
	for _, s := range list {
		held := false
		for _, o := range list {
			if o != s && slices.Contains(holds[o], s) {
				held = true
			}
		}
		if !held {
			keep = append(keep, s)
		}
	}
	return add, strings.Join(keep, ",")
}
