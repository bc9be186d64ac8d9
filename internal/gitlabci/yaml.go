package gitlabci

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// GitLab reads CI configuration with Ruby's Psych, a YAML 1.1 parser
// (lib/gitlab/config/loader/yaml.rb: YAML.safe_load with symbolized keys).
// This file loads YAML into the same values GitLab sees: an ordered mapping
// (*omap), []any, string, int64, float64, bool and nil. go.yaml.in/yaml/v3
// parses the text; the type of each plain scalar is resolved here the way
// Psych's ScalarScanner resolves it, because YAML 1.2 and 1.1 disagree
// (`on`, `off`, `yes`, `no` are booleans to Psych, strings to YAML 1.2).

// Map is a YAML mapping that keeps its key order (GitLab's hashes keep it
// too, and the order of jobs and keys matters when the pipeline is written
// back for gitlab-ci-local).
type Map struct {
	Keys []string       // in order; change them with Set and Del
	Vals map[string]any // by key
}

func NewMap() *Map { return &Map{Vals: map[string]any{}} }

func (m *Map) Get(k string) (any, bool) {
	if m == nil {
		return nil, false
	}
	v, ok := m.Vals[k]
	return v, ok
}

func (m *Map) Set(k string, v any) {
	if _, ok := m.Vals[k]; !ok {
		m.Keys = append(m.Keys, k)
	}
	m.Vals[k] = v
}

func (m *Map) Del(k string) {
	if _, ok := m.Vals[k]; !ok {
		return
	}
	delete(m.Vals, k)
	for i, key := range m.Keys {
		if key == k {
			m.Keys = append(m.Keys[:i:i], m.Keys[i+1:]...)
			break
		}
	}
}

// Str returns the value of k when it is a string.
func (m *Map) Str(k string) string {
	v, _ := m.Get(k)
	s, _ := v.(string)
	return s
}

// Sub returns the value of k when it is a mapping.
func (m *Map) Sub(k string) *Map {
	v, _ := m.Get(k)
	o, _ := v.(*Map)
	return o
}

// Reference is GitLab's !reference [job, key] custom tag, kept as is.
type Reference []any

// LoadYAML reads every document of a YAML stream.
func LoadYAML(src []byte) ([]any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var docs []any
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		v, err := convert(&n)
		if err != nil {
			return nil, err
		}
		docs = append(docs, v)
	}
}

// LoadOne reads a stream that must hold exactly one document.
func LoadOne(src []byte) (any, error) {
	docs, err := LoadYAML(src)
	if err != nil {
		return nil, err
	}
	if len(docs) != 1 {
		return nil, fmt.Errorf("want one YAML document, found %d", len(docs))
	}
	return docs[0], nil
}

func convert(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return convert(n.Content[0])
	case yaml.AliasNode:
		return convert(n.Alias)
	case yaml.SequenceNode:
		out := []any{}
		for _, c := range n.Content {
			v, err := convert(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		if n.Tag == "!reference" {
			return Reference(out), nil
		}
		return out, nil
	case yaml.MappingNode:
		m := NewMap()
		var merges []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Style == 0 {
				merges = append(merges, v)
				continue
			}
			key, err := convert(k)
			if err != nil {
				return nil, err
			}
			val, err := convert(v)
			if err != nil {
				return nil, err
			}
			ks, ok := scalarKey(key)
			if !ok {
				return nil, fmt.Errorf("line %d: a mapping key must be a scalar", k.Line)
			}
			if _, dup := m.Get(ks); dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, ks)
			}
			m.Set(ks, val)
		}
		// Merge keys (<<: *anchor, or a list of them): keys written in the
		// mapping itself win, then earlier merged mappings win.
		for _, mg := range merges {
			srcs := []*yaml.Node{mg}
			if mg.Kind == yaml.SequenceNode {
				srcs = mg.Content
			}
			for _, s := range srcs {
				v, err := convert(s)
				if err != nil {
					return nil, err
				}
				sm, ok := v.(*Map)
				if !ok {
					return nil, fmt.Errorf("line %d: << must merge a mapping", mg.Line)
				}
				for _, k := range sm.Keys {
					if _, ok := m.Get(k); !ok {
						m.Set(k, sm.Vals[k])
					}
				}
			}
		}
		return m, nil
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

func scalarKey(v any) (string, bool) {
	switch k := v.(type) {
	case string:
		return k, true
	case nil:
		return "", true
	case bool, int64, float64:
		return RubyToS(k), true
	}
	return "", false
}

var (
	psychNull  = regexp.MustCompile(`^(~|null|Null|NULL)?$`)
	psychTrue  = regexp.MustCompile(`^(?i:yes|true|on)$`)
	psychFalse = regexp.MustCompile(`^(?i:no|false|off)$`)
	psychInt   = regexp.MustCompile(`^[-+]?(0|[1-9][0-9_,]*)$`)
	psychBin   = regexp.MustCompile(`^[-+]?0b[01_]+$`)
	psychOct   = regexp.MustCompile(`^[-+]?0[0-7_]+$`)
	psychHex   = regexp.MustCompile(`^[-+]?0x[0-9a-fA-F_]+$`)
	psychFloat = regexp.MustCompile(`^[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?$`)
	psychInf   = regexp.MustCompile(`^[-+]?\.(inf|Inf|INF)$`)
	psychNaN   = regexp.MustCompile(`^\.(nan|NaN|NAN)$`)
	psychDate  = regexp.MustCompile(`^\d{4}-\d{1,2}-\d{1,2}([Tt ]|$)`)
)

// scalar resolves a scalar like Psych: quoted and block scalars are
// strings; a plain scalar may be null, a YAML 1.1 boolean, an integer
// (binary, octal, hex, with _ separators) or a float. A date would be loaded
// as a Date, which GitLab's safe_load refuses.
func scalar(n *yaml.Node) (any, error) {
	// yaml.v3 fills Tag with its own (YAML 1.2) resolution; only a tag
	// written in the text (TaggedStyle) decides the type here.
	tag := ""
	if n.Style&yaml.TaggedStyle != 0 {
		tag = n.Tag
	}
	switch tag {
	case "!!str", "!!binary":
		return n.Value, nil
	case "!!null":
		return nil, nil
	case "!!bool", "!!int", "!!float", "!!timestamp", "":
	case "!reference":
		return nil, fmt.Errorf("line %d: !reference needs a sequence", n.Line)
	default:
		return nil, fmt.Errorf("line %d: unsupported YAML tag %s", n.Line, n.Tag)
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value, nil
	}
	s := n.Value
	clean := strings.NewReplacer("_", "", ",", "").Replace(s)
	switch {
	case psychNull.MatchString(s):
		return nil, nil
	case psychTrue.MatchString(s):
		return true, nil
	case psychFalse.MatchString(s):
		return false, nil
	case psychInt.MatchString(s):
		if i, err := strconv.ParseInt(clean, 10, 64); err == nil {
			return i, nil
		}
	case psychHex.MatchString(s), psychBin.MatchString(s):
		if i, err := strconv.ParseInt(clean, 0, 64); err == nil {
			return i, nil
		}
	case psychOct.MatchString(s):
		if i, err := strconv.ParseInt(clean, 8, 64); err == nil {
			return i, nil
		}
	case psychFloat.MatchString(s) && s != "." && strings.ContainsAny(s, "0123456789"):
		if f, err := strconv.ParseFloat(clean, 64); err == nil {
			return f, nil
		}
	case psychInf.MatchString(s):
		if strings.HasPrefix(s, "-") {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	case psychNaN.MatchString(s):
		return math.NaN(), nil
	case psychDate.MatchString(s):
		return nil, fmt.Errorf("line %d: %q loads as a date, which GitLab's YAML loader refuses: quote it", n.Line, s)
	}
	return s, nil
}

// toNode turns a value back into YAML. Every string is double-quoted, so
// no YAML parser (gitlab-ci-local's included) can read it as anything else.
func toNode(v any) *yaml.Node {
	switch x := v.(type) {
	case *Map:
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range x.Keys {
			n.Content = append(n.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k, Style: yaml.DoubleQuotedStyle},
				toNode(x.Vals[k]))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range x {
			n.Content = append(n.Content, toNode(e))
		}
		return n
	case Reference:
		n := toNode([]any(x))
		n.Tag = "!reference"
		n.Style = yaml.FlowStyle
		return n
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: x, Style: yaml.DoubleQuotedStyle}
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(x)}
	case int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(x, 10)}
	case float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(x, 'g', -1, 64)}
	}
	panic(fmt.Sprintf("toNode: unexpected %T", v))
}

func DumpYAML(v any) []byte {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(toNode(v)); err != nil {
		panic(err)
	}
	enc.Close()
	return b.Bytes()
}

// ToJSONValue turns a value into what encoding/json and the JSON schema
// validator take: map[string]any, []any and scalars.
func ToJSONValue(v any) any {
	switch x := v.(type) {
	case *Map:
		m := map[string]any{}
		for _, k := range x.Keys {
			m[k] = ToJSONValue(x.Vals[k])
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = ToJSONValue(e)
		}
		return out
	case Reference:
		return ToJSONValue([]any(x))
	}
	return v
}

// DeepCopy copies a value tree, so a test can mutate it.
func DeepCopy(v any) any {
	switch x := v.(type) {
	case *Map:
		m := NewMap()
		for _, k := range x.Keys {
			m.Set(k, DeepCopy(x.Vals[k]))
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = DeepCopy(e)
		}
		return out
	}
	return v
}

// DeepMerge merges src into dst the way GitLab merges included files and
// the including file (lib/gitlab/ci/config/external/processor.rb uses
// Hash#deep_merge): mappings merge key by key, anything else is replaced.
func DeepMerge(dst, src *Map) *Map {
	out := DeepCopy(dst).(*Map)
	for _, k := range src.Keys {
		sv := src.Vals[k]
		if dm, ok := out.Vals[k].(*Map); ok {
			if sm, ok := sv.(*Map); ok {
				out.Set(k, DeepMerge(dm, sm))
				continue
			}
		}
		out.Set(k, DeepCopy(sv))
	}
	return out
}
