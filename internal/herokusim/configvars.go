package herokusim

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Config vars need a key with a "protected" scope: "read" and "write" keys
// (and "identity") exclude them by Heroku's design. The 403's message is
// the simulator's own [inferred: Heroku's exact text is not documented].
func (s *Server) scopeAllows(w http.ResponseWriter, r *http.Request, scopes ...string) bool {
	have := accountOf(r).scope
	if slices.Contains(scopes, have) {
		return true
	}
	apiError(w, 403, "forbidden", "This API key's scope ("+have+") does not allow access to config vars.")
	return false
}

var configKeyRE = regexp.MustCompile(`^\w+$`)

func (s *Server) getConfigVars(w http.ResponseWriter, r *http.Request, a *app) {
	if !s.scopeAllows(w, r, "global", "read-protected", "write-protected") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, 200, a.config)
}

// patchConfigVars sets and removes (null) config vars, makes a release
// (with release phase when the app has one) and answers with every config
// var, as Heroku does.
func (s *Server) patchConfigVars(w http.ResponseWriter, r *http.Request, a *app) {
	if !s.scopeAllows(w, r, "global", "write-protected") {
		return
	}
	var body map[string]*string
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		apiError(w, 422, "invalid_params", "Config vars must be an object of strings or nulls: "+err.Error())
		return
	}
	var set, removed []string
	for k, v := range body {
		if !configKeyRE.MatchString(k) {
			apiError(w, 422, "invalid_params", "Invalid config var name: "+k)
			return
		}
		if v == nil {
			removed = append(removed, k)
		} else {
			set = append(set, k)
		}
	}
	sort.Strings(set)
	sort.Strings(removed)
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range body {
		if v == nil {
			delete(a.config, k)
		} else {
			a.config[k] = *v
		}
	}
	var desc []string
	if len(set) > 0 {
		desc = append(desc, "Set "+strings.Join(set, ", "))
	}
	if len(removed) > 0 {
		desc = append(desc, "Remove "+strings.Join(removed, ", "))
	}
	s.newRelease(a, strings.Join(desc, "; ")+" config vars", artifact{}, a.procs, false)
	writeJSON(w, 200, a.config)
}
