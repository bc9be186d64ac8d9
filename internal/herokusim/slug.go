package herokusim

import (
	"net/http"
	"time"
)

// build output: a slug (Cedar) or an OCI image (Fir, ociimage.go). Both
// remember what Heroku keeps with them: the commit the build recorded
// (source_blob.version), the process types, the app that built them. A
// release carries one by kind and id (release.go's artifact); retention
// deletes it once no release that carries it is left unexpired.
type built struct {
	artifact
	app       *app // the app whose build made it
	commit    *string
	procs     map[string]string
	lang      string // "node", "python", "other"
	size      int
	createdAt time.Time
}

// newBuilt registers the artifact a build made (s.mu held).
func (s *Server) newBuilt(b *build, procs map[string]string, lang string) *built {
	art := artifact{kind: "slug", id: s.id('5')}
	if b.app.Fir {
		art = artifact{kind: "oci-image", id: s.id('9')}
	}
	if procs == nil {
		procs = map[string]string{}
	}
	out := &built{artifact: art, app: b.app, commit: b.Version, procs: procs, lang: lang, size: 42 << 20, createdAt: s.now().UTC()}
	s.built[art.id] = out
	return out
}

// live reports whether an artifact still exists: some release that
// carries it has not expired (s.mu held).
func (s *Server) live(art artifact) bool {
	for _, a := range s.apps {
		for _, r := range a.releases {
			if r.artifact == art && r.Status != "expired" {
				return true
			}
		}
	}
	return false
}

// findBuilt returns a live artifact of this kind that app may read: one
// it built, or one a release of it carries (promotions share slugs), or
// writes Heroku's 404 (s.mu held).
func (s *Server) findBuilt(w http.ResponseWriter, a *app, kind, id string) *built {
	b := s.built[id]
	if b != nil && b.kind == kind && s.live(b.artifact) && (b.app == a || carries(a, b.artifact)) {
		return b
	}
	what := map[string]string{"slug": "slug", "oci-image": "OCI image"}[kind]
	apiError(w, 404, "not_found", "Couldn't find that "+what+".")
	return nil
}

func carries(a *app, art artifact) bool {
	for _, r := range a.releases {
		if r.artifact == art {
			return true
		}
	}
	return false
}

// getSlug answers GET /apps/{app}/slugs/{id}. The blob URL is signed, as
// Heroku's are: a credential.
func (s *Server) getSlug(w http.ResponseWriter, r *http.Request, a *app) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.findBuilt(w, a, "slug", r.PathValue("id"))
	if b == nil {
		return
	}
	var desc any
	switch b.lang {
	case "node":
		desc = "Node.js"
	case "python":
		desc = "Python"
	}
	writeJSON(w, 200, map[string]any{
		"id": b.id, "commit": b.commit, "commit_description": nil, "process_types": b.procs,
		"blob":                           map[string]string{"method": "get", "url": "http://" + r.Host + "/s3/slug-" + b.id + "?X-Amz-Signature=" + s.sign("slug", b.id)},
		"buildpack_provided_description": desc, "checksum": "SHA256:" + s.sign("checksum", b.id) + s.sign("checksum2", b.id),
		"size": b.size, "stack": heroku24, "created_at": b.createdAt, "updated_at": b.createdAt,
	})
}
