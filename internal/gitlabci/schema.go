package gitlabci

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// GitLab's CI JSON schema (app/assets/javascripts/editor/schema/ci.json)
// is bundled in gitlab-ci-local, which validates every pipeline with it.
// Schema takes it from the installed gitlab-ci-local at run time (no copy
// is committed) and ValidateSchema validates with santhosh-tekuri/jsonschema,
// so a schema error names the path.

const schemaID = "https://gitlab.com/.gitlab-ci.yml"

// extractSchema evaluates the schema object literal in gitlab-ci-local's
// bundle with node and prints it as JSON.
const extractSchema = `
const fs = require('fs');
const s = fs.readFileSync(process.argv[1], 'utf8');
const id = s.indexOf('$id:"https://gitlab.com/.gitlab-ci.yml"');
if (id < 0) throw new Error('no GitLab CI schema in ' + process.argv[1]);
const start = s.lastIndexOf('{$schema:"http://json-schema.org/draft-07/schema#"', id);
let depth = 0, i = start, q = null;
for (; i < s.length; i++) {
  const c = s[i];
  if (q) { if (c === '\\') { i++; continue } if (c === q) q = null; continue }
  if (c === '"' || c === "'" || c === '` + "`" + `') { q = c; continue }
  if (c === '{') depth++;
  else if (c === '}' && --depth === 0) { i++; break }
}
process.stdout.write(JSON.stringify(new Function('return (' + s.slice(start, i) + ')')()));
`

var schemaOnce struct {
	sync.Once
	schema *jsonschema.Schema
	err    error
}

// Schema returns GitLab's CI schema as the installed gitlab-ci-local
// bundles it, compiled once. It needs gitlab-ci-local and node, which
// runs it.
func Schema() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		schemaOnce.schema, schemaOnce.err = loadSchema()
	})
	return schemaOnce.schema, schemaOnce.err
}

// gitlabCILocalBundle finds gitlab-ci-local's dist/index.js.
func gitlabCILocalBundle() (string, error) {
	if p, err := exec.LookPath("gitlab-ci-local"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && strings.HasSuffix(real, ".js") {
			return real, nil
		}
	}
	out, err := exec.Command("npm", "root", "-g").Output()
	if err != nil {
		return "", fmt.Errorf("cannot find gitlab-ci-local's install: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "gitlab-ci-local", "dist", "index.js"), nil
}

func loadSchema() (*jsonschema.Schema, error) {
	bundle, err := gitlabCILocalBundle()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", "-e", extractSchema, bundle)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("extracting GitLab's CI schema from %s: %v\n%s", bundle, err, stderr.String())
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		return nil, err
	}
	if m, _ := doc.(map[string]any); m == nil || m["$id"] != schemaID {
		return nil, fmt.Errorf("%s: the extracted object is not GitLab's CI schema", bundle)
	}
	// gitlab-ci-local validates with formats off (validateFormats: false),
	// and GitLab itself does not check them: environment:url is
	// `$HEROKU_APP_URL` until the job has run. Drop the format keywords.
	dropFormats(doc)
	if err := allowEmptyTags(doc); err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaID, doc); err != nil {
		return nil, err
	}
	return c.Compile(schemaID)
}

// allowEmptyTags drops the schema's minItems: 1 on tags. GitLab itself
// accepts `tags: []`, which the components render when their tags input
// is left empty: Entry::Tags only asks for an array of strings (fewer than
// 50), no minimum (lib/gitlab/ci/config/entry/tags.rb: `validates :config,
// array_of_strings: true` and TAGS_LIMIT), and the job's tag list is then
// empty, as without the key. Only the schema, which the pipeline editor
// uses, asks for one item. gitlab-ci-local follows the schema, so the runs
// below pass it --ignore-schema-paths for this one rule.
func allowEmptyTags(doc any) error {
	defs, _ := doc.(map[string]any)["definitions"].(map[string]any)
	tags, _ := defs["tags"].(map[string]any)
	if tags == nil || tags["minItems"] == nil {
		return fmt.Errorf("GitLab's CI schema has no definitions.tags.minItems: check allowEmptyTags still applies")
	}
	delete(tags, "minItems")
	return nil
}

// dropFormats removes every string-valued "format" keyword (a property
// named format would hold an object).
func dropFormats(v any) {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["format"].(string); ok {
			delete(x, "format")
		}
		for _, e := range x {
			dropFormats(e)
		}
	case []any:
		for _, e := range x {
			dropFormats(e)
		}
	}
}

// ValidateSchema validates one YAML document (a value tree) against
// GitLab's CI schema (Schema).
func ValidateSchema(sch *jsonschema.Schema, doc any) error {
	// Round-trip through JSON so numbers are what the validator expects.
	b, err := json.Marshal(ToJSONValue(doc))
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("GitLab's CI schema: %v", err)
	}
	return nil
}

// Top-level keys that are not jobs (lib/gitlab/ci/config/entry/root.rb).
var globalKeys = []string{"default", "include", "before_script", "image", "services", "after_script",
	"variables", "stages", "types", "cache", "workflow", "spec"}

// Jobs returns the names of the real jobs of a pipeline: top-level
// mappings that are not global keywords and not hidden (.name).
func Jobs(p *Map) []string {
	var out []string
	for _, k := range p.Keys {
		if contains(globalKeys, k) || strings.HasPrefix(k, ".") {
			continue
		}
		if _, ok := p.Vals[k].(*Map); ok {
			out = append(out, k)
		}
	}
	return out
}

// defaultStages are GitLab's stages when a pipeline names none
// (entry/stages.rb), between .pre and .post.
var defaultStages = []string{".pre", "build", "test", "deploy", ".post"}

func Stages(p *Map) []string {
	v, ok := p.Get("stages")
	if !ok {
		return defaultStages
	}
	out := []string{".pre"}
	list, _ := v.([]any)
	for _, s := range list {
		if str, ok := s.(string); ok {
			out = append(out, str)
		}
	}
	return append(out, ".post")
}

// CheckPipeline applies the rules GitLab enforces at pipeline creation
// that GitLab's CI schema does not express. vars stand for the variables
// the runner would have (predefined and dotenv ones) when image names are
// expanded.
func CheckPipeline(p *Map, vars map[string]string) []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	// Global variables may carry description and options too
	// (entry/root.rb: allowed_value_data %i[value description expand options]).
	globalVars := map[string]string{}
	if gv, ok := p.Get("variables"); ok {
		for _, e := range CheckVariables("variables", gv, []string{"value", "description", "expand", "options"}, globalVars) {
			errs = append(errs, e)
		}
	}
	stages := Stages(p)
	for _, name := range Jobs(p) {
		job := p.Sub(name)
		where := "jobs:" + name
		// entry/processable.rb: validates :name, length: { maximum: 255 }.
		if len(name) > 255 {
			add("%s name is too long (maximum is 255 characters)", where)
		}
		jobVars := map[string]string{}
		for k, v := range globalVars {
			jobVars[k] = v
		}
		if v, ok := job.Get("variables"); ok {
			// Job-level variables: entry/processable.rb metadata
			// allowed_value_data: %i[value expand].
			for _, e := range CheckVariables(where+":variables", v, []string{"value", "expand"}, jobVars) {
				errs = append(errs, e)
			}
		}
		if st, ok := job.Get("stage"); ok {
			if s, _ := st.(string); !contains(stages, s) {
				add("%s chosen stage %v does not exist; available stages are %s", where, RubyToS(st), strings.Join(stages, ", "))
			}
		} else if !contains(stages, "test") {
			add("%s has no stage and the pipeline has no test stage", where)
		}
		if img, ok := job.Get("image"); ok {
			if err := checkImage(where+":image", img, jobVars, vars); err != nil {
				errs = append(errs, err)
			}
		}
		if rules, ok := job.Get("rules"); ok {
			list, _ := rules.([]any)
			for i, r := range list {
				rm, ok := r.(*Map)
				if !ok {
					continue
				}
				if cond, ok := rm.Get("if"); ok {
					s, _ := cond.(string)
					if _, err := ParseExpr(s); err != nil {
						add("%s:rules:rule:%d if: %v (%q)", where, i, err, s)
					}
				}
			}
		}
	}
	errs = append(errs, checkEnvironments(p)...)
	if wf := p.Sub("workflow"); wf != nil {
		list, _ := wf.Vals["rules"].([]any)
		for i, r := range list {
			if rm, ok := r.(*Map); ok {
				if cond, ok := rm.Get("if"); ok {
					s, _ := cond.(string)
					if _, err := ParseExpr(s); err != nil {
						add("workflow:rules:rule:%d if: %v (%q)", i, err, s)
					}
				}
			}
		}
	}
	return errs
}

// CheckVariables applies entry/variables.rb and entry/variable.rb. A
// simple value must be a string or an integer: GitLab 17.0 validated it
// with AlphanumericValidator (String, Symbol or Integer); later versions
// accept any scalar, so the 17.0 rule is the one that holds everywhere. A
// hash may hold only the allowed keys, its value alphanumeric too, expand
// a boolean. An array (or anything else) is "variable definition must be
// either a string or a hash". Values of expandable variables are recorded
// in out for image expansion.
func CheckVariables(where string, v any, allowed []string, out map[string]string) []error {
	m, ok := v.(*Map)
	if !ok {
		return []error{fmt.Errorf("%s config should be a hash", where)}
	}
	var errs []error
	for _, k := range m.Keys {
		val := m.Vals[k]
		switch x := val.(type) {
		case string:
			out[k] = x
		case int64:
			out[k] = RubyToS(x)
		case *Map:
			var extra []string
			for _, dk := range x.Keys {
				if !contains(allowed, dk) {
					extra = append(extra, dk)
				}
			}
			if len(extra) > 0 {
				errs = append(errs, fmt.Errorf("%s:%s config uses invalid data keys: %s", where, k, strings.Join(extra, ", ")))
			}
			value, hasValue := x.Get("value")
			switch vv := value.(type) {
			case string, int64:
			case nil:
			default:
				errs = append(errs, fmt.Errorf("%s:%s value must be an alphanumeric string (it is a %s)", where, k, rubyType(vv)))
			}
			if e, ok := x.Get("expand"); ok {
				if _, isBool := e.(bool); !isBool {
					errs = append(errs, fmt.Errorf("%s:%s expand should be a boolean value", where, k))
				}
			}
			if e, _ := x.Get("expand"); e != false && hasValue {
				out[k] = RubyToS(value)
			}
		default:
			errs = append(errs, fmt.Errorf("%s:%s variable definition must be either a string or a hash (it is a %s)", where, k, rubyType(val)))
		}
	}
	return errs
}

// Image references as Docker and the runner parse them
// (github.com/distribution/reference, regexp.go): an optional registry
// host, lowercase path components, then an optional :tag and @digest. An
// empty tag (`name:`) is invalid: it is what `heroku-deploy:$[[
// component.version ]]` becomes when the component has no version.
var imageRefRE = func() *regexp.Regexp {
	alnum := `[a-z0-9]+`
	sep := `(?:[._]|__|[-]+)`
	path := alnum + `(?:` + sep + alnum + `)*`
	domainComp := `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	domain := `(?:` + domainComp + `(?:\.` + domainComp + `)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?`
	name := `(?:` + domain + `/)?` + path + `(?:/` + path + `)*`
	tag := `[\w][\w.-]{0,127}`
	digest := `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`
	return regexp.MustCompile(`^` + name + `(?::` + tag + `)?(?:@` + digest + `)?$`)
}()

// ExpandRunner expands $NAME and ${NAME} the way the runner expands image
// names, recursively through variable values (GitLab expands variables
// inside variables before the job reaches the runner). Unknown variables
// are reported.
func ExpandRunner(s string, vars ...map[string]string) (string, []string) {
	var missing []string
	for range 10 {
		if !strings.Contains(s, "$") {
			break
		}
		changed := false
		s = variableRefRE.ReplaceAllStringFunc(s, func(ref string) string {
			if strings.HasPrefix(ref, "%") {
				return ref
			}
			m := variableRefRE.FindStringSubmatch(ref)
			name := m[1] + m[2]
			for _, vs := range vars {
				if v, ok := vs[name]; ok {
					changed = true
					return v
				}
			}
			if !contains(missing, name) {
				missing = append(missing, name)
			}
			return ref
		})
		if !changed {
			break
		}
	}
	sort.Strings(missing)
	return s, missing
}

func checkImage(where string, img any, jobVars, vars map[string]string) error {
	var name string
	switch x := img.(type) {
	case string:
		name = x
	case *Map:
		name = x.Str("name")
	}
	if name == "" {
		return fmt.Errorf("%s name can't be blank", where)
	}
	expanded, missing := ExpandRunner(name, jobVars, vars)
	if len(missing) > 0 {
		return fmt.Errorf("%s %q uses $%s, which no variable defines", where, name, strings.Join(missing, ", $"))
	}
	if !imageRefRE.MatchString(expanded) {
		return fmt.Errorf("%s %q expands to %q, which is not a valid image reference", where, name, expanded)
	}
	return nil
}

// environmentNameRE is Gitlab::Regex.environment_name_regex: letters,
// digits, -, _, /, $, {, }, . and spaces, not starting or ending with /.
var environmentNameRE = regexp.MustCompile(`^[a-zA-Z0-9_/${}. -]+$`)

// checkEnvironments applies what GitLab checks of environment: at
// pipeline creation beyond the schema: the name's characters
// (entry/environment.rb, Gitlab::Regex.environment_name_regex), an
// auto_stop_in that is a duration (entry/environment.rb, `validates
// :auto_stop_in, duration: true`, as 17.0 has it; later versions accept
// variables there and read it when the job runs), and an on_stop job that
// exists, has an environment of the same name and action stop
// (yaml_processor.rb, validate_on_stop_job!, with its messages).
func checkEnvironments(p *Map) []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	for _, name := range Jobs(p) {
		env := p.Sub(name).Sub("environment")
		if env == nil {
			continue
		}
		envName := env.Str("name")
		if !environmentNameRE.MatchString(envName) || strings.HasPrefix(envName, "/") || strings.HasSuffix(envName, "/") {
			add("jobs:%s:environment name %q can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', and spaces, but it cannot start or end with '/'", name, envName)
		}
		if v, ok := env.Get("auto_stop_in"); ok {
			s, _ := v.(string)
			if !strings.Contains(s, "$") && chronicDuration(s) <= 0 {
				add("jobs:%s:environment auto_stop_in should be a duration (%q)", name, s)
			}
		}
		onStop := env.Str("on_stop")
		if onStop == "" {
			continue
		}
		stop := p.Sub(onStop)
		switch {
		case stop == nil:
			add("%s job: on_stop job %s is not defined", name, onStop)
		case stop.Sub("environment") == nil:
			add("%s job: on_stop job %s does not have environment defined", name, onStop)
		case stop.Sub("environment").Str("name") != envName:
			add("%s job: on_stop job %s have different environment name", name, onStop)
		case stop.Sub("environment").Str("action") != "stop":
			add("%s job: on_stop job %s needs to have action stop defined", name, onStop)
		}
	}
	return errs
}

// chronicUnits are the units the chronic_duration gem reads (its
// duration_units and their abbreviations), in seconds.
var chronicUnits = map[string]int64{
	"seconds": 1, "second": 1, "secs": 1, "sec": 1, "s": 1,
	"minutes": 60, "minute": 60, "mins": 60, "min": 60, "m": 60,
	"hours": 3600, "hour": 3600, "hrs": 3600, "hr": 3600, "h": 3600,
	"days": 86400, "day": 86400, "d": 86400,
	"weeks": 604800, "week": 604800, "wks": 604800, "wk": 604800, "w": 604800,
	"months": 2592000, "month": 2592000, "mos": 2592000, "mo": 2592000,
	"years": 31557600, "year": 31557600, "yrs": 31557600, "yr": 31557600, "y": 31557600,
}

var chronicTermRE = regexp.MustCompile(`^([0-9]+)\s*([a-z]+)`)

// chronicDuration reads "1 week", "3 mins 4 sec", "2h20min", "6 mos and 1
// day" as chronic_duration does, in seconds; 0 for what it cannot read.
// Stricter than the gem, which drops words it does not know.
func chronicDuration(s string) int64 {
	s = strings.ToLower(strings.TrimSpace(s))
	var total int64
	for s != "" {
		m := chronicTermRE.FindStringSubmatch(s)
		if m == nil {
			return 0
		}
		unit, ok := chronicUnits[m[2]]
		if !ok {
			return 0
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		total += n * unit
		s = strings.TrimLeft(s[len(m[0]):], " ,")
		s = strings.TrimSpace(strings.TrimPrefix(s, "and "))
	}
	return total
}
