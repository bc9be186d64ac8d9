package herokusim

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
)

// Config vars need a key with a protected scope: scope.go's table.

var configKeyRE = regexp.MustCompile(`^\w+$`)

func (s *Server) getConfigVars(w http.ResponseWriter, r *http.Request, a *app) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, 200, a.config)
}

// patchConfigVars sets and removes (null) config vars, makes a release
// (with release phase when the app has one) and answers with every config
// var, as Heroku does.
func (s *Server) patchConfigVars(w http.ResponseWriter, r *http.Request, a *app) {
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
