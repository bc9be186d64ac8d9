package herokusim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// State is what the simulator holds that a command can change, as facts:
// a key ("app my-app maintenance", "app my-app release v5", "app my-app
// current": the current release) and its value.
// An app that is gone has no facts left. A test compares two states to
// see what a run changed (Diff). Config values are hashed: a state may be
// printed, a secret never is.
//
// Facts that a run may change however it went are left out: timestamps,
// one-off dynos, log sessions, sources and their blobs.
func (s *Server) State() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := map[string]string{}
	for _, a := range s.appList() {
		k := "app " + a.Name
		st[k] = "exists"
		st[k+" maintenance"] = fmt.Sprint(a.Maintenance)
		if c := a.coupling; c != nil {
			st[k+" coupling"] = c.pipeline.Name + "/" + c.stage
		}
		for name, v := range a.config {
			sum := sha256.Sum256([]byte(v))
			st[k+" config "+name] = "sha256:" + hex.EncodeToString(sum[:6])
		}
		for _, r := range a.releases {
			st[fmt.Sprintf("%s release v%d", k, r.Version)] = fmt.Sprintf("%s %s:%s %q",
				r.Status, r.artifact.kind, r.artifact.id, r.Description)
			if r.current {
				st[k+" current"] = fmt.Sprintf("v%d", r.Version)
			}
			// A release of images: what it runs ("web sha256:…"), as
			// herokusim-images prints a current release's. What Heroku's
			// registry holds is left out: a push changes no release.
			if imgs := s.reg.images[r.artifact.id]; len(imgs) > 0 {
				var each []string
				for t, id := range imgs {
					each = append(each, t+" "+id)
				}
				sort.Strings(each)
				st[fmt.Sprintf("%s release v%d images", k, r.Version)] = strings.Join(each, ", ")
			}
		}
		for i, b := range a.builds {
			rel := "-"
			if b.release != nil {
				rel = fmt.Sprintf("v%d", b.release.Version)
			}
			st[fmt.Sprintf("%s build %d", k, i+1)] = fmt.Sprintf("%s %s release=%s", b.ID, b.Status, rel)
		}
		for typ, p := range s.formationOf(a) { // as a read of the formation shows it
			st[k+" formation "+typ] = fmt.Sprintf("%d:%s restarts=%d", p.Quantity, p.Size, p.restarts)
		}
		var addons []string
		for _, ad := range a.addons {
			addons = append(addons, ad.service)
		}
		sort.Strings(addons)
		st[k+" addons"] = strings.Join(addons, ",")
	}
	for id, pr := range s.promotions {
		var ts []string
		for _, t := range pr.targets {
			rel := "-"
			if t.release != nil {
				rel = fmt.Sprintf("v%d", t.release.Version)
			}
			ts = append(ts, fmt.Sprintf("%s:%s:%s", t.app.Name, t.status, rel))
		}
		st["promotion "+id] = fmt.Sprintf("%s v%d %s %s", pr.source.Name, pr.release.Version, pr.status, strings.Join(ts, ","))
	}
	return st
}

// Settled reports whether nothing in st is still under way on the
// simulator's side (a build, a release phase, a promotion): a state to
// compare is read once it has settled.
func Settled(st map[string]string) bool {
	for k, v := range st {
		if (strings.Contains(k, " release v") || strings.Contains(k, " build ") || strings.HasPrefix(k, "promotion ")) &&
			strings.Contains(v, "pending") {
			return false
		}
	}
	return true
}

// Arm adds faults to those the simulator serves from now on: for a test
// that sets up state with clean requests first, then counts a fault's
// skip=N from that point on.
func (s *Server) Arm(faults ...*Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Faults = append(append([]*Fault(nil), s.opts.Faults...), faults...)
}

// faults is what the fault middleware serves through.
func (s *Server) faults() []*Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.Faults
}
