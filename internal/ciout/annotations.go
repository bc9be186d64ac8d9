package ciout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// GitLab's annotations report (artifacts:reports:annotations, GitLab 16.3,
// every tier; doc/ci/yaml/artifacts_reports.md): a JSON object whose keys
// are sections, each a list of annotations; the one annotation type is
// {"external_link": {"label": …, "url": …}}, which the job's page lists
// under "External links", every section's together
// (ci/job_details/components/sidebar/sidebar.vue, filterAnnotations).
// GitLab refuses a whole file that breaks its limits, so these are checked
// before writing:
const (
	// MaxSections: "Annotations files cannot have more than 20 annotation
	// lists" (app/services/ci/parse_annotations_artifact_service.rb; the
	// ci_job_annotations_num plan limit, 20 by default).
	MaxSections = 20
	// MaxAnnotationsSize: the ci_job_annotations_size plan limit, 80 KB by
	// default ("Annotations Artifact Too Big", the same service).
	MaxAnnotationsSize = 80 * 1024
	// MaxSectionName: Ci::JobAnnotation validates its name's presence and
	// length (app/models/ci/job_annotation.rb).
	MaxSectionName = 255
	// MaxLinks: a section's list, maxItems in
	// app/validators/json_schemas/ci_job_annotation_data.json.
	MaxLinks = 1000
)

// Link is one external_link annotation.
type Link struct{ Label, URL string }

// Section is one named list of links.
type Section struct {
	Name  string
	Links []Link
}

// Annotations renders sections as GitLab's annotations report, in the
// order given, or says which of GitLab's limits they break.
func Annotations(sections []Section) ([]byte, error) {
	if len(sections) > MaxSections {
		return nil, fmt.Errorf("%d sections; GitLab takes at most %d", len(sections), MaxSections)
	}
	var b bytes.Buffer
	b.WriteString("{")
	seen := map[string]bool{}
	for i, sec := range sections {
		switch {
		case sec.Name == "" || utf8.RuneCountInString(sec.Name) > MaxSectionName:
			return nil, fmt.Errorf("section name %q: GitLab takes 1 to %d characters", sec.Name, MaxSectionName)
		case seen[sec.Name]:
			return nil, fmt.Errorf("section %q twice", sec.Name)
		case len(sec.Links) > MaxLinks:
			return nil, fmt.Errorf("section %q has %d links; GitLab takes at most %d", sec.Name, len(sec.Links), MaxLinks)
		}
		seen[sec.Name] = true
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  ")
		b.Write(jsonString(sec.Name))
		b.WriteString(": [")
		for j, l := range sec.Links {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n    {\"external_link\": {\"label\": ")
			b.Write(jsonString(l.Label))
			b.WriteString(", \"url\": ")
			b.Write(jsonString(l.URL))
			b.WriteString("}}")
		}
		if len(sec.Links) > 0 {
			b.WriteString("\n  ")
		}
		b.WriteString("]")
	}
	if len(sections) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	if b.Len() > MaxAnnotationsSize {
		return nil, fmt.Errorf("%d bytes; GitLab takes at most %d", b.Len(), MaxAnnotationsSize)
	}
	return b.Bytes(), nil
}

// WriteAnnotations writes sections to path as GitLab's annotations report,
// the way the dotenv report is written (a temporary file renamed over it).
func WriteAnnotations(path string, sections []Section) error {
	b, err := Annotations(sections)
	if err != nil {
		return fmt.Errorf("write annotations: %w", err)
	}
	return writeReport(path, "annotations", b)
}

// jsonString is s as a JSON string, <, > and & left as they are (a URL
// reads better), invalid UTF-8 replaced.
func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
