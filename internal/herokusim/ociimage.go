package herokusim

import (
	"net/http"
	"sort"
)

// getOCIImage answers GET /apps/{app}/oci-images/{id}: a list of one, as
// the schema has it (the identity may be an id or a digest; the
// simulator knows ids).
func (s *Server) getOCIImage(w http.ResponseWriter, r *http.Request, a *app) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.findBuilt(w, a, "oci-image", r.PathValue("id"))
	if b == nil {
		return
	}
	commit := ""
	if b.commit != nil {
		commit = *b.commit // a string in the schema, never null
	}
	names := make([]string, 0, len(b.procs))
	for n := range b.procs {
		names = append(names, n)
	}
	sort.Strings(names)
	procs := map[string]any{}
	for _, n := range names {
		procs[n] = map[string]any{"name": n, "command": "/cnb/process/" + n, "display_cmd": b.procs[n],
			"working_dir": "/workspace", "default": n == "web"}
	}
	bps := map[string][]any{
		"node":   {map[string]string{"id": "heroku/nodejs", "version": "3.4.1", "homepage": "https://github.com/heroku/buildpacks-nodejs"}},
		"python": {map[string]string{"id": "heroku/python", "version": "0.26.1", "homepage": "https://github.com/heroku/buildpacks-python"}},
	}[b.lang]
	if bps == nil {
		bps = []any{}
	}
	digest := "sha256:" + s.sign("digest", b.id) + s.sign("digest2", b.id)
	writeJSON(w, 200, []any{map[string]any{
		"id": b.id, "commit": commit, "commit_description": "", "digest": digest,
		"base_image_name": "heroku/heroku:24-cnb", "base_top_layer": "sha256:" + s.sign("base", "24") + s.sign("base2", "24"),
		"image_repo": b.app.ID + "/builds", "architecture": "amd64", "stack": cnb, "process_types": procs, "buildpacks": bps,
		"created_at": b.createdAt, "updated_at": b.createdAt,
	}})
}
