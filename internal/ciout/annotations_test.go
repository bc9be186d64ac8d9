package ciout

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The report is GitLab's annotations report: a JSON object of sections,
// each a list of {"external_link": {"label", "url"}} and nothing else
// (app/validators/json_schemas/ci_job_annotation_data.json and
// ci_job_external_link_data.json: additionalProperties false), in the
// order given.
func TestAnnotations(t *testing.T) {
	b, err := Annotations([]Section{
		{Name: "my-app", Links: []Link{{"my-app: open the app", "https://my-app.example/"}, {`a "quoted" <label> & more`, "https://x.example/a/b"}}},
		{Name: "empty"},
		{Name: "an-app", Links: []Link{{"an-app: activity", "https://dashboard.heroku.com/apps/an-app/activity"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "my-app": [
    {"external_link": {"label": "my-app: open the app", "url": "https://my-app.example/"}},
    {"external_link": {"label": "a \"quoted\" <label> & more", "url": "https://x.example/a/b"}}
  ],
  "empty": [],
  "an-app": [
    {"external_link": {"label": "an-app: activity", "url": "https://dashboard.heroku.com/apps/an-app/activity"}}
  ]
}
`
	if string(b) != want {
		t.Errorf("got:\n%s\nwant:\n%s", b, want)
	}
	var parsed map[string][]map[string]map[string]string
	if err := json.Unmarshal(b, &parsed); err != nil {
		t.Fatalf("not GitLab's shape: %v", err)
	}
	for name, list := range parsed {
		for _, a := range list {
			if len(a) != 1 || len(a["external_link"]) != 2 || a["external_link"]["label"] == "" || a["external_link"]["url"] == "" {
				t.Errorf("section %s: annotation %v is not one external_link with a label and a url", name, a)
			}
		}
	}
	if got, _ := Annotations(nil); string(got) != "{}\n" {
		t.Errorf("no section: %q, want {}", got)
	}
}

// GitLab refuses the whole file past its limits, so the report is never
// written past them.
func TestAnnotationsLimits(t *testing.T) {
	many := func(n int) []Section {
		var s []Section
		for i := range n {
			s = append(s, Section{Name: strings.Repeat("a", i+1)})
		}
		return s
	}
	links := func(n int, size int) []Link {
		var l []Link
		for range n {
			l = append(l, Link{strings.Repeat("l", size), "https://x.example/"})
		}
		return l
	}
	for name, tc := range map[string]struct {
		sections []Section
		want     string
	}{
		"20 sections":             {many(20), ""},
		"21 sections":             {many(21), "21 sections; GitLab takes at most 20"},
		"a name of 255":           {[]Section{{Name: strings.Repeat("n", 255)}}, ""},
		"a name of 256":           {[]Section{{Name: strings.Repeat("n", 256)}}, "GitLab takes 1 to 255 characters"},
		"no name":                 {[]Section{{Name: ""}}, "GitLab takes 1 to 255 characters"},
		"a name twice":            {[]Section{{Name: "a"}, {Name: "a"}}, `section "a" twice`},
		"1000 links":              {[]Section{{Name: "a", Links: links(1000, 1)}}, ""},
		"1001 links":              {[]Section{{Name: "a", Links: links(1001, 1)}}, "has 1001 links; GitLab takes at most 1000"},
		"over 80 KB":              {[]Section{{Name: "a", Links: links(100, 1000)}}, "GitLab takes at most 81920"},
		"just under 80 KB, 2 KiB": {[]Section{{Name: "a", Links: links(2, 1000)}}, ""},
	} {
		_, err := Annotations(tc.sections)
		if got := ""; err != nil {
			got = err.Error()
			if tc.want == "" || !strings.Contains(got, tc.want) {
				t.Errorf("%s: %v, want %q", name, err, tc.want)
			}
		} else if tc.want != "" {
			t.Errorf("%s: no error, want %q", name, tc.want)
		}
	}
}

// WriteAnnotations writes as WriteDotenv does: a temporary file renamed
// over the target, readable by the runner, nothing left behind; a report
// past GitLab's limits leaves the old file as it was.
func TestWriteAnnotations(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "heroku-deploy.annotations.json")
	if err := os.WriteFile(path, []byte("stale"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteAnnotations(path, []Section{{Name: "my-app", Links: []Link{{"my-app: activity", "https://dashboard.heroku.com/apps/my-app/activity"}}}}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if !strings.Contains(string(got), `"my-app: activity"`) {
		t.Errorf("report: %s", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	err := WriteAnnotations(path, []Section{{Name: ""}})
	if err == nil || !strings.HasPrefix(err.Error(), "write annotations: ") {
		t.Errorf("err = %v", err)
	}
	if again, _ := os.ReadFile(path); string(again) != string(got) {
		t.Errorf("a refused report changed the file: %s", again)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}
