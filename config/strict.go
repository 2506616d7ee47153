package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/stackpit/stackpit/internal/suggest"
)

// unknownKeys walks the document against the shape of File and reports
// every key the decoder would silently drop, with its line and the closest
// known key. yaml.v3's KnownFields does not reach into blocks that have
// their own UnmarshalYAML (every endpoint, loki, ceph, docker), so a
// misspelt `pasword` there used to pass and the setting was lost.
func unknownKeys(path string, doc *yaml.Node) []error {
	var errs []error
	var walk func(n *yaml.Node, t reflect.Type, where string)
	walk = func(n *yaml.Node, t reflect.Type, where string) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, t, where)
			}
			return
		case yaml.AliasNode:
			if n.Alias != nil {
				walk(n.Alias, t, where)
			}
			return
		}
		switch t.Kind() {
		case reflect.Struct:
			if n.Kind != yaml.MappingNode {
				return // a shorthand ("prometheus: http://...") or a type error the decoder reports
			}
			fields := yamlFields(t)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				ft, ok := fields[k.Value]
				if !ok {
					if k.Value == "<<" { // a merge: one mapping, or a list of them
						if v.Kind == yaml.SequenceNode {
							for _, c := range v.Content {
								walk(c, t, where)
							}
						} else {
							walk(v, t, where)
						}
						continue
					}
					errs = append(errs, &Error{File: path, Line: k.Line, Msg: unknownMsg(k.Value, where, fields)})
					continue
				}
				walk(v, ft, join(where, k.Value))
			}
		case reflect.Map:
			if n.Kind != yaml.MappingNode {
				return
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], t.Elem(), join(where, n.Content[i].Value))
			}
		case reflect.Slice:
			if n.Kind != yaml.SequenceNode {
				return
			}
			for i, c := range n.Content {
				walk(c, t.Elem(), fmt.Sprintf("%s[%d]", where, i))
			}
		}
	}
	walk(doc, reflect.TypeFor[File](), "")
	return errs
}

func join(where, key string) string {
	if where == "" {
		return key
	}
	return where + "." + key
}

func unknownMsg(key, where string, fields map[string]reflect.Type) string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	msg := fmt.Sprintf("unknown key %q", key)
	if where != "" {
		msg += " in " + where
	}
	if s := suggest.Closest(key, names); s != "" {
		return msg + fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg + " (known: " + strings.Join(names, ", ") + ")"
}

// yamlFields maps the YAML names of a struct's fields (inline ones
// flattened) to their types, the way yaml.v3 names them.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if strings.Contains(opts, "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range yamlFields(ft) {
					out[k] = v
				}
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// keyLines maps each action under the top-level `keys:` block to its line,
// so keymap problems name file:line.
func keyLines(doc *yaml.Node) (block int, lines map[string]int) {
	lines = map[string]int{}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return 0, lines
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if k, v := doc.Content[i], doc.Content[i+1]; k.Value == "keys" && v.Kind == yaml.MappingNode {
			block = k.Line
			for j := 0; j+1 < len(v.Content); j += 2 {
				lines[v.Content[j].Value] = v.Content[j].Line
			}
		}
	}
	return block, lines
}
