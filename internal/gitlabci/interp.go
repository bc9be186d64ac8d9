package gitlabci

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A renderer for CI/CD components that does what GitLab 17.0 does when a
// pipeline includes one, and refuses what 17.0 refuses. gitlab-ci-local's
// own interpolation differs from GitLab on exactly the points that broke
// this component (issue 9), so the tests render with this instead.
//
// Sources (gitlab-org/gitlab; the GitHub mirror gitlabhq/gitlabhq):
//   lib/gitlab/ci/config/interpolation/interpolator.rb  the order of checks
//   lib/gitlab/ci/config/header/{root,spec,input}.rb    the header's keys
//   lib/gitlab/ci/config/interpolation/inputs.rb and inputs/*_input.rb
//   lib/gitlab/ci/config/interpolation/{template,block,access}.rb
//   lib/gitlab/ci/config/interpolation/functions/{truncate,expand_vars}.rb
//   lib/gitlab/ci/config/interpolation/functions_stack.rb
//   lib/expand_variables.rb                              expand_vars
// and doc/ci/inputs/_index.md (17.0: functions expand_vars and truncate;
// posix_escape arrived in 18.6, the component context in 18.6).

// InputSpec is one entry of spec:inputs.
type InputSpec struct {
	Name        string
	Type        string // string (the default), number, boolean, array
	HasDefault  bool
	Default     any
	Description string
	Options     []any
	HasRegex    bool
	Regex       string
}

// Component is a parsed template: its header and its body.
type Component struct {
	Inputs []InputSpec
	Header *Map // the first YAML document, nil when there is none
	Body   any  // the configuration document
}

// Header keys GitLab 17.0 knows. header/root.rb: ALLOWED_KEYS = %i[spec];
// header/spec.rb: ALLOWED_KEYS = %i[inputs] (component arrived in 18.6,
// include in 18.9, description in 18.10); header/input.rb: ALLOWED_KEYS =
// %i[default description options regex type] (rules arrived in 18.7).
var (
	headerRootKeys  = []string{"spec"}
	headerSpecKeys  = []string{"inputs"}
	headerInputKeys = []string{"default", "description", "options", "regex", "type"}
	// inputs.rb TYPES (array since 16.11).
	inputTypes = []string{"array", "boolean", "number", "string"}
)

const maxOptions = 50 // header/input.rb ALLOWED_OPTIONS_LIMIT

// ParseComponent reads a template file and validates its header the way
// Header::Root does. A file with one document has no header.
func ParseComponent(src []byte) (*Component, error) {
	docs, err := LoadYAML(src)
	if err != nil {
		return nil, err
	}
	c := &Component{}
	switch len(docs) {
	case 1:
		c.Body = docs[0]
		return c, nil
	case 2:
		c.Body = docs[1]
	default:
		return nil, fmt.Errorf("want a header and a configuration document, found %d documents", len(docs))
	}
	h, ok := docs[0].(*Map)
	if !ok {
		return nil, fmt.Errorf("header: config should be a hash")
	}
	c.Header = h
	if err := allowedKeys("header", h, headerRootKeys); err != nil {
		return nil, err
	}
	spec, _ := h.Get("spec")
	if spec == nil {
		return c, nil
	}
	sm, ok := spec.(*Map)
	if !ok {
		return nil, fmt.Errorf("header:spec config should be a hash")
	}
	if err := allowedKeys("header:spec", sm, headerSpecKeys); err != nil {
		return nil, err
	}
	ins, _ := sm.Get("inputs")
	if ins == nil {
		return c, nil
	}
	im, ok := ins.(*Map)
	if !ok {
		return nil, fmt.Errorf("header:spec:inputs config should be a hash")
	}
	for _, name := range im.Keys {
		where := "header:spec:inputs:" + name
		raw := im.Vals[name]
		// input.rb: validates :config, type: Hash.
		m, ok := raw.(*Map)
		if !ok {
			return nil, fmt.Errorf("%s config should be a hash", where)
		}
		if err := allowedKeys(where, m, headerInputKeys); err != nil {
			return nil, err
		}
		s := InputSpec{Name: name, Type: "string"}
		if v, ok := m.Get("type"); ok {
			t, _ := v.(string)
			if !contains(inputTypes, t) {
				return nil, fmt.Errorf("%s input type unknown value: %v", where, RubyToS(v))
			}
			s.Type = t
		}
		s.Default, s.HasDefault = m.Get("default")
		if v, ok := m.Get("description"); ok {
			// validates :input_description, alphanumeric: true
			switch d := v.(type) {
			case string:
				s.Description = d
			case int64:
				s.Description = RubyToS(d)
			default:
				return nil, fmt.Errorf("%s description must be an alphanumeric string", where)
			}
		}
		if v, ok := m.Get("regex"); ok {
			r, isStr := v.(string)
			if !isStr {
				return nil, fmt.Errorf("%s regex should be a string", where)
			}
			s.HasRegex, s.Regex = true, r
		}
		if v, ok := m.Get("options"); ok {
			opts, isArr := v.([]any)
			if !isArr {
				return nil, fmt.Errorf("%s options should be an array", where)
			}
			if len(opts) > maxOptions {
				return nil, fmt.Errorf("%s config cannot define more than %d options", where, maxOptions)
			}
			s.Options = opts
		}
		c.Inputs = append(c.Inputs, s)
	}
	return c, nil
}

// allowedKeys is Gitlab::Config::Entry::Validators::AllowedKeysValidator.
func allowedKeys(where string, m *Map, allowed []string) error {
	var unknown []string
	for _, k := range m.Keys {
		if !contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("%s config contains unknown keys: %s", where, strings.Join(unknown, ", "))
	}
	return nil
}

func contains[T comparable](list []T, v T) bool {
	for _, e := range list {
		if e == v {
			return true
		}
	}
	return false
}

func (c *Component) Input(name string) (InputSpec, bool) {
	for _, in := range c.Inputs {
		if in.Name == name {
			return in, true
		}
	}
	return InputSpec{}, false
}

// inputValues checks the consumer's arguments against the spec and
// returns the value of every input (inputs.rb and inputs/*_input.rb):
// unknown argument names are refused; every declared input is validated,
// used or not; a default must satisfy its own type, options and regex; an
// input without a default is required.
func (c *Component) inputValues(args *Map) (map[string]any, error) {
	if args == nil {
		args = NewMap()
	}
	if c.Header == nil {
		if len(args.Keys) > 0 {
			return nil, fmt.Errorf("unknown input arguments") // interpolator.rb: inputs_without_header?
		}
		return map[string]any{}, nil
	}
	var unknown []string
	for _, k := range args.Keys {
		if _, ok := c.Input(k); !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("unknown input arguments: %s", strings.Join(unknown, ", "))
	}
	values := map[string]any{}
	var errs []string
	for _, in := range c.Inputs {
		arg, given := args.Get(in.Name)
		// base_input.rb: a nil argument counts as not given.
		if given && arg == nil {
			given = false
		}
		errf := func(format string, a ...any) {
			errs = append(errs, fmt.Sprintf("`%s` input: ", in.Name)+fmt.Sprintf(format, a...))
		}
		if !in.HasDefault && !given {
			errf("required value has not been provided")
			continue
		}
		n := len(errs)
		if in.HasDefault {
			for _, e := range in.check(in.Default, true) {
				errf("%s", e)
			}
		}
		if given {
			for _, e := range in.check(arg, false) {
				errf("%s", e)
			}
		}
		if len(errs) > n {
			continue
		}
		if given {
			values[in.Name] = arg
		} else {
			values[in.Name] = in.Default
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, ", "))
	}
	return values, nil
}

// check is BaseInput#run_validations: type, then options, then regex.
func (in InputSpec) check(v any, isDefault bool) []string {
	which := "provided"
	if isDefault {
		which = "default"
	}
	var errs []string
	switch in.Type {
	case "string":
		if _, ok := v.(string); !ok {
			errs = append(errs, which+" value is not a string")
		}
	case "number":
		switch v.(type) {
		case int64, float64:
		default:
			errs = append(errs, which+" value is not a number")
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			errs = append(errs, which+" value is not a boolean")
		}
	case "array":
		if _, ok := v.([]any); !ok {
			errs = append(errs, which+" value is not an array")
		}
	}
	if in.Options != nil {
		switch in.Type {
		case "string", "number":
			if !containsValue(in.Options, v) {
				errs = append(errs, fmt.Sprintf("`%s` cannot be used because it is not in the list of allowed options", RubyToS(v)))
			}
		default:
			// Options for arrays arrive in 19.0.
			errs = append(errs, "Options can only be used with string and number inputs")
		}
	}
	if in.HasRegex {
		if in.Type != "string" {
			errs = append(errs, "RegEx validation can only be used with string inputs")
		} else if s, ok := v.(string); ok {
			// string_input.rb (validate_regex!): Gitlab::UntrustedRegexp
			// (RE2, as Go's regexp) matched against the raw value, before
			// any variable in it is expanded. Its match?
			// (lib/gitlab/untrusted_regexp.rb, gitlabhq@419c53ec) is
			// `text.present? && scan(text).present?`: a blank value (empty
			// or spaces) never matches, whatever the regex, so `default:
			// ""` with a regex fails every pipeline on 17.x (gitlab#477707,
			// fixed in 18.x by MRs !192082 and !235458).
			re, err := regexp.Compile(in.Regex)
			switch {
			case err != nil:
				errs = append(errs, "invalid regular expression")
			case strings.TrimSpace(s) == "" || !re.MatchString(s):
				errs = append(errs, which+" value does not match required RegEx pattern")
			}
		}
	}
	return errs
}

func containsValue(list []any, v any) bool {
	for _, e := range list {
		if e == v {
			return true
		}
		// Ruby compares 1 == 1.0 as equal.
		if a, ok := asFloat(e); ok {
			if b, ok := asFloat(v); ok && a == b {
				return true
			}
		}
	}
	return false
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// RenderOptions are what the pipeline supplies at include time.
type RenderOptions struct {
	// Vars are the variables expand_vars can see (those usable in include,
	// not masked).
	Vars map[string]string
	// Masked names variables expand_vars must refuse.
	Masked map[string]bool
}

// Render interpolates the component with the consumer's arguments and
// returns the configuration document, as GitLab would merge it into the
// pipeline.
func (c *Component) Render(args *Map, opts RenderOptions) (any, error) {
	values, err := c.inputValues(args)
	if err != nil {
		return nil, err
	}
	if c.Header == nil {
		return DeepCopy(c.Body), nil
	}
	r := &renderer{values: values, opts: opts}
	out := r.walk(c.Body)
	if len(r.errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(r.errs, ", "))
	}
	return out, nil
}

// BlockRE is Template::BLOCK_REGEXP: `$[[`, optional spaces, at least two
// non-space-delimited characters (non-greedy, not across lines), optional
// spaces, `]]`.
var BlockRE = regexp.MustCompile(`\$\[\[\s*(\S.*?\S)\s*\]\]`)

const (
	maxBlocks      = 10000       // template.rb MAX_BLOCKS
	maxFunctions   = 3           // block.rb MAX_FUNCTIONS
	maxAccessBytes = 1024        // access.rb MAX_ACCESS_BYTESIZE
	maxNodeBytes   = 1024 * 1024 // config.rb MAX_NODE_SIZE
)

type renderer struct {
	values map[string]any
	opts   RenderOptions
	blocks map[string]bool
	errs   []string
}

// walk is Interpolation::Config#replace!: every string node, keys
// included, goes through the template.
func (r *renderer) walk(v any) any {
	switch x := v.(type) {
	case *Map:
		out := NewMap()
		for _, k := range x.Keys {
			nk := r.walk(k)
			ks, ok := scalarKey(nk)
			if !ok {
				r.errs = append(r.errs, fmt.Sprintf("key %q: interpolated into a %s, not a string", k, rubyType(nk)))
				continue
			}
			out.Set(ks, r.walk(x.Vals[k]))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.walk(e)
		}
		return out
	case string:
		return r.node(x)
	}
	return v
}

// node is Template#interpolate!: a node that is exactly one block takes the
// block's value with its type; otherwise every block is replaced by the
// text of its value (block.value.to_s).
func (r *renderer) node(s string) any {
	if !strings.Contains(s, "$[[") {
		return s
	}
	if len(s) > maxNodeBytes {
		r.errs = append(r.errs, "config node too large")
		return s
	}
	matches := BlockRE.FindAllStringSubmatchIndex(s, -1)
	if len(matches) == 0 {
		return s
	}
	type block struct {
		text  string
		value any
	}
	var blocks []block
	for _, m := range matches {
		text, data := s[m[0]:m[1]], s[m[2]:m[3]]
		if r.blocks == nil {
			r.blocks = map[string]bool{}
		}
		r.blocks[text] = true
		if len(r.blocks) > maxBlocks {
			r.errs = append(r.errs, "too many interpolation blocks")
			return s
		}
		v, err := r.evaluate(data)
		if err != nil {
			r.errs = append(r.errs, err.Error())
			return s
		}
		blocks = append(blocks, block{text, v})
	}
	// template.rb used_inside_a_string?: more than one block, or a node
	// longer than its block. The length is Ruby's String#length:
	// characters, not bytes.
	if len(blocks) == 1 && utf8.RuneCountInString(s) == utf8.RuneCountInString(blocks[0].text) {
		return blocks[0].value
	}
	// interpolate_string_node!: node.gsub(block.to_s, block.value.to_s),
	// block by block. Ruby's gsub reads its replacement for back-references
	// even with a string pattern: `\\` becomes one backslash, `\0` and `\&`
	// the block's own text. So a backslash in a value written into a string
	// is halved: ["C:\\dir"] (Array#inspect) arrives as ["C:\dir"].
	out := s
	for _, b := range blocks {
		text, err := rubyText(b.value)
		if err != nil {
			r.errs = append(r.errs, fmt.Sprintf("%s: %v", b.text, err))
			return s
		}
		out, err = rubyGsub(out, b.text, text)
		if err != nil {
			r.errs = append(r.errs, fmt.Sprintf("%s: %v", b.text, err))
			return s
		}
	}
	return out
}

// rubyGsub is Ruby's String#gsub(pattern, replacement) with a string
// pattern: every occurrence, left to right, replaced by the replacement
// read the way rb_reg_regsub reads it (\0 and \& the match, \` and \' the
// text before and after it, \1-\9 empty groups, \\ a backslash, \k<name>
// an IndexError; any other backslash stays).
func rubyGsub(s, pat, repl string) (string, error) {
	var b strings.Builder
	rest := 0
	for {
		i := strings.Index(s[rest:], pat)
		if i < 0 || pat == "" {
			break
		}
		start, end := rest+i, rest+i+len(pat)
		b.WriteString(s[rest:start])
		for j := 0; j < len(repl); j++ {
			c := repl[j]
			if c != '\\' || j+1 == len(repl) {
				b.WriteByte(c)
				continue
			}
			j++
			switch n := repl[j]; {
			case n == '0' || n == '&':
				b.WriteString(pat)
			case n >= '1' && n <= '9':
			case n == '`':
				b.WriteString(s[:start])
			case n == '\'':
				b.WriteString(s[end:])
			case n == '\\':
				b.WriteByte('\\')
			case n == 'k' && j+1 < len(repl) && repl[j+1] == '<':
				return "", fmt.Errorf("undefined group name reference in the replacement (Ruby raises IndexError)")
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
		}
		rest = end
	}
	b.WriteString(s[rest:])
	return b.String(), nil
}

// evaluate is Block#evaluate!: `<access> | <function> | …`.
func (r *renderer) evaluate(data string) (any, error) {
	parts := strings.Split(data, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	access, funcs := parts[0], parts[1:]
	v, err := r.access(access)
	if err != nil {
		return nil, err
	}
	if len(funcs) > maxFunctions {
		return nil, fmt.Errorf("too many functions in interpolation block")
	}
	for _, f := range funcs {
		v, err = r.function(f, v)
		if err != nil {
			return nil, err
		}
	}
	return v, nil
}

// access is Access: a dotted path looked up in the context. GitLab 17.0's
// context holds `inputs` only (interpolator.rb: Context.new({ inputs: … }));
// `component` arrived in 18.6.
func (r *renderer) access(path string) (any, error) {
	if len(path) > maxAccessBytes {
		return nil, fmt.Errorf("maximum interpolation expression size exceeded")
	}
	objects := strings.SplitN(path, ".", 5)
	if len(objects) <= 1 {
		return nil, fmt.Errorf("invalid interpolation access pattern")
	}
	if objects[0] != "inputs" {
		return nil, fmt.Errorf("unknown interpolation key: `%s`", objects[0])
	}
	v, ok := r.values[objects[1]]
	if !ok {
		return nil, fmt.Errorf("unknown interpolation key: `%s`", objects[1])
	}
	if len(objects) > 2 {
		// Access walks with memo.key?, which a string or an array lacks:
		// GitLab fails the pipeline.
		return nil, fmt.Errorf("`%s`: an input value has no keys", path)
	}
	return v, nil
}

var (
	// functions/truncate.rb function_expression_pattern (the closing
	// parenthesis is optional there too).
	truncateRE = regexp.MustCompile(`^truncate\(\s*(\d+)\s*,\s*(\d+)\s*\)?$`)
	// functions/expand_vars.rb.
	expandVarsRE = regexp.MustCompile(`^expand_vars$`)
	// lib/expand_variables.rb VARIABLES_REGEXP: $NAME, ${NAME}, %NAME%.
	variableRefRE = regexp.MustCompile(`\$([a-zA-Z_][a-zA-Z0-9_]*)|\$\{([a-zA-Z_][a-zA-Z0-9_]*)\}|%([a-zA-Z_][a-zA-Z0-9_]*)%`)
)

// function applies one of the functions GitLab 17.0 has
// (functions_stack.rb FUNCTIONS: Truncate, ExpandVars).
func (r *renderer) function(expr string, v any) (any, error) {
	switch {
	case truncateRE.MatchString(expr):
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("error in `truncate` function: invalid input type: truncate can only be used with string inputs")
		}
		m := truncateRE.FindStringSubmatch(expr)
		off, _ := strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		// Ruby's String#[offset, length] on characters; past the end it is
		// nil, and nil.to_s is "".
		runes := []rune(s)
		if off > len(runes) {
			return "", nil
		}
		end := min(off+n, len(runes))
		return string(runes[off:end]), nil
	case expandVarsRE.MatchString(expr):
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("error in `expand_vars` function: invalid input type: expand_vars can only be used with string inputs")
		}
		var err error
		out := variableRefRE.ReplaceAllStringFunc(s, func(ref string) string {
			m := variableRefRE.FindStringSubmatch(ref)
			name := m[1] + m[2] + m[3]
			if r.opts.Masked[name] {
				err = fmt.Errorf("error in `expand_vars` function: variable expansion error: masked variables cannot be expanded")
				return ref
			}
			// expand_existing: a variable that does not exist stays as
			// written.
			if val, ok := r.opts.Vars[name]; ok {
				return val
			}
			return ref
		})
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, fmt.Errorf("no function matching `%s`: check that the function name, arguments, and types are correct", expr)
}

// rubyText is value.to_s as GitLab inserts it into a string. A hash inside
// an array prints differently across Ruby versions (3.4 changed
// Hash#inspect), so it is refused rather than guessed.
func rubyText(v any) (string, error) {
	if _, ok := v.(*Map); ok {
		return "", fmt.Errorf("a hash renders as Ruby's Hash#inspect, which differs between Ruby versions")
	}
	if a, ok := v.([]any); ok {
		return RubyInspectArray(a)
	}
	return RubyToS(v), nil
}

// RubyToS is Ruby's to_s of a scalar: nil is "", booleans are true/false.
func RubyToS(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return rubyFloat(x)
	}
	return fmt.Sprint(v)
}

// rubyFloat is Float#to_s (flo_to_s): the shortest digits that read back,
// in exponent form when the decimal exponent is below -4 or above 14
// ("1.0e+16", "1.0e-05"), otherwise fixed ("100.0", "0.0001").
func rubyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	x, _ := strconv.Atoi(exp)
	if f != 0 && (x < -4 || x > 14) {
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		sign := "+"
		if x < 0 {
			sign, x = "-", -x
		}
		return fmt.Sprintf("%se%s%02d", mant, sign, x)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// RubyInspectArray is Array#inspect (what Array#to_s is).
func RubyInspectArray(a []any) (string, error) {
	parts := make([]string, len(a))
	for i, e := range a {
		switch x := e.(type) {
		case nil:
			parts[i] = "nil"
		case string:
			parts[i] = rubyInspectString(x)
		case []any:
			s, err := RubyInspectArray(x)
			if err != nil {
				return "", err
			}
			parts[i] = s
		case *Map:
			return "", fmt.Errorf("a hash renders as Ruby's Hash#inspect, which differs between Ruby versions")
		default:
			parts[i] = RubyToS(x)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]", nil
}

// rubyInspectString is String#inspect for a UTF-8 string (rb_str_inspect):
// quotes and backslashes escaped, "#" escaped before "{", "$" and "@",
// the usual control escapes, other non-printable characters as \uXXXX or
// \u{XXXXX}, invalid bytes as \xNN.
func rubyInspectString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, `\x%02X`, s[i])
			i++
			continue
		}
		next := byte(0)
		if i+size < len(s) {
			next = s[i+size]
		}
		i += size
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '#':
			if next == '{' || next == '$' || next == '@' {
				b.WriteString(`\#`)
			} else {
				b.WriteByte('#')
			}
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\f':
			b.WriteString(`\f`)
		case '\v':
			b.WriteString(`\v`)
		case '\b':
			b.WriteString(`\b`)
		case '\a':
			b.WriteString(`\a`)
		case 0x1b:
			b.WriteString(`\e`)
		default:
			switch {
			case r < 0x80 && r >= 0x20 && r != 0x7f:
				b.WriteRune(r)
			case r >= 0x80 && rubyPrint(r):
				b.WriteRune(r)
			case r < 0x10000:
				fmt.Fprintf(&b, `\u%04X`, r)
			default:
				fmt.Fprintf(&b, `\u{%X}`, r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// rubyPrint is Onigmo's [[:print:]] for a non-ASCII character as Ruby
// 3.1 applies it in String#inspect: letters, marks, numbers, punctuation,
// symbols, space separators, format and private-use characters, and NEL;
// not C1 controls, line and paragraph separators or unassigned code points
// (checked against ruby 3.1 by TestRubySemanticsMatchRuby).
func rubyPrint(r rune) bool {
	return r == 0x85 || unicode.IsGraphic(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Co, r)
}

func rubyType(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64, float64:
		return "number"
	case []any:
		return "array"
	case *Map:
		return "hash"
	}
	return fmt.Sprintf("%T", v)
}
