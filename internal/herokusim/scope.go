package herokusim

import (
	"net/http"
	"slices"
	"strings"
)

// OAuth scopes: every answer carries the key's scopes (Oauth-Scope) and
// the scopes the call accepts (Oauth-Scope-Accepted), and a key whose
// scopes are none of those is refused with a 403 (source: brandur,
// "Scoping and OAuth 2", 2013, the design note of the API's author,
// github.com/brandur/sorg content/articles/oauth-scope.md, which shows both
// headers; a real answer to PATCH /apps/{app}/formation in
// terraform-provider-heroku's debug log, 2022: "Oauth-Scope: global",
// "Oauth-Scope-Accepted: global write write-protected").
//
// The design note's scopes: read, "all a user's apps and their
// subresources, except for protected subresources like config vars and
// releases"; write, a superset of read; read-protected, read including
// protected subresources; write-protected, a superset of read-protected
// and write; global, everything; identity, GET /account and nothing else.
// An accepted list names every scope that grants the call, supersets
// included, so a key passes when it holds any of them.

// The accepted lists of the four kinds of call.
const (
	acceptRead      = "global read read-protected write write-protected"
	acceptWrite     = "global write write-protected"
	acceptReadProt  = "global read-protected write-protected"
	acceptWriteProt = "global write-protected"
)

// RouteScope is what one route accepts, and how sure that is.
type RouteScope struct {
	Accepted string // the Oauth-Scope-Accepted header, space-separated
	Basis    string // "source: …" or "inferred: …"
}

// Bases of the table below.
const (
	noteRead   = "inferred: the design note's read (apps and unprotected subresources)"
	noteWrite  = "inferred: the design note's write (changes to apps and unprotected subresources)"
	noteConfig = "source: the design note and Dev Center, Heroku OAuth (config vars are protected)"
	// The risk the reference names: the note puts releases behind the
	// protected scopes; whether Heroku still does is not confirmed.
	noteReleases = "inferred: the design note puts releases behind the protected scopes (not confirmed on Heroku today)"
)

// routeScopes is the one table of what each route of routes() accepts
// (routes() refuses to register a route without a row).
var routeScopes = map[string]RouteScope{
	"POST /sources":                                   {acceptWrite, noteWrite},
	"POST /apps/{app}/sources":                        {acceptWrite, noteWrite},
	"POST /apps":                                      {acceptWrite, noteWrite},
	"GET /apps":                                       {acceptRead, noteRead},
	"POST /teams/apps":                                {acceptWrite, noteWrite},
	"POST /app-setups":                                {acceptWriteProt, "inferred: an app setup sets the config vars of app.json's env (a protected write)"},
	"GET /app-setups/{id}":                            {acceptRead, noteRead},
	"GET /apps/{app}":                                 {acceptRead, noteRead},
	"DELETE /apps/{app}":                              {acceptWrite, noteWrite},
	"GET /apps/{app}/addons":                          {acceptRead, "inferred: add-ons list their config vars' names, never values"},
	"POST /pipeline-couplings":                        {acceptWrite, noteWrite},
	"GET /pipelines/{pipeline}":                       {acceptRead, noteRead},
	"PATCH /apps/{app}":                               {acceptWrite, noteWrite},
	"GET /apps/{app}/config-vars":                     {acceptReadProt, noteConfig},
	"PATCH /apps/{app}/config-vars":                   {acceptWriteProt, noteConfig},
	"POST /apps/{app}/dynos":                          {acceptWrite, "inferred: the design note's write; a one-off dyno runs with the app's config vars in its environment, so Heroku may protect it"},
	"GET /apps/{app}/dynos":                           {acceptRead, noteRead},
	"GET /apps/{app}/dynos/{id}":                      {acceptRead, noteRead},
	"POST /apps/{app}/dynos/{id}/actions/stop":        {acceptWrite, noteWrite},
	"DELETE /apps/{app}/dynos":                        {acceptWrite, noteWrite},
	"DELETE /apps/{app}/formations/{type}":            {acceptWrite, noteWrite},
	"GET /apps/{app}/formation":                       {acceptRead, noteRead},
	"PATCH /apps/{app}/formation":                     {acceptWrite, "source: terraform-provider-heroku 5.1.9's debug log (Oauth-Scope-Accepted: global write write-protected)"},
	"POST /apps/{app}/log-sessions":                   {acceptRead, "inferred: a log session only reads"},
	"GET /apps/{app}/domains":                         {acceptRead, noteRead},
	"POST /apps/{app}/builds":                         {acceptWrite, noteWrite},
	"GET /apps/{app}/builds":                          {acceptRead, noteRead},
	"GET /apps/{app}/builds/{id}":                     {acceptRead, noteRead},
	"DELETE /apps/{app}/builds/{id}":                  {acceptWrite, noteWrite},
	"GET /apps/{app}/builds/{id}/result":              {acceptRead, noteRead},
	"GET /apps/{app}/releases":                        {acceptReadProt, noteReleases},
	"GET /apps/{app}/releases/{id}":                   {acceptReadProt, noteReleases},
	"POST /apps/{app}/releases":                       {acceptWriteProt, noteReleases},
	"GET /apps/{app}/slugs/{id}":                      {acceptRead, noteRead},
	"GET /apps/{app}/oci-images/{id}":                 {acceptRead, noteRead},
	"GET /apps/{app}/pipeline-couplings":              {acceptRead, noteRead},
	"POST /pipeline-promotions":                       {acceptWrite, "inferred: the design note's write (a promotion releases a slug, no config var)"},
	"GET /pipeline-promotions/{id}/promotion-targets": {acceptRead, noteRead},
}

// RouteScopes is the table of what each route accepts, by its pattern
// ("GET /apps/{app}/releases"), for tests that hold documents to it.
func RouteScopes() map[string]RouteScope {
	out := make(map[string]RouteScope, len(routeScopes))
	for k, v := range routeScopes {
		out[k] = v
	}
	return out
}

// keyScopes is an -key option's scope ("write,read-protected") as the
// Oauth-Scope header says it: space-separated [inferred: Heroku's
// separator for a key of several scopes is not documented; the accepted
// list's is a space].
func keyScopes(spec string) string {
	return strings.Join(strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == ' ' }), " ")
}

// scopeGate sets both scope headers for the route pattern and reports
// whether the key holds a scope the route accepts; the gate refuses it
// otherwise, with the message Heroku sends (martyzz1/heroku3.py#120
// quotes it; the id "forbidden" is inferred).
func scopeGate(w http.ResponseWriter, acct *account, pattern string) bool {
	w.Header().Set("Oauth-Scope", acct.scope)
	rs, ok := routeScopes[pattern]
	if !ok {
		return true // no such endpoint: the gate's 404
	}
	w.Header().Set("Oauth-Scope-Accepted", rs.Accepted)
	accepted := strings.Fields(rs.Accepted)
	for _, s := range strings.Fields(acct.scope) {
		if slices.Contains(accepted, s) {
			return true
		}
	}
	return false
}

// scopeMessage is Heroku's message for a key whose scope the call does
// not accept.
const scopeMessage = "The scope of this OAuth authorization does not allow access to this resource."
