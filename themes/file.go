package themes

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// A theme file (NAME.yaml in the themes folder of the config dir):
//
//	name: solarized-dark
//	dark: true
//	roles:
//	  ok:   {fg: "#859900"}
//	  crit: {fg: "#dc322f", bold: true}
//	  selected: {reverse: true}
//
// Colours are "#rrggbb" or an ANSI number "0".."255"; roles not listed keep
// the terminal default. See themes/example.yaml.
type fileSpec struct {
	Name  string                  `yaml:"name"`
	Dark  *bool                   `yaml:"dark"`
	Roles map[string]fileRoleSpec `yaml:"roles"`
}

type fileRoleSpec struct {
	FG        string `yaml:"fg"`
	BG        string `yaml:"bg"`
	Bold      bool   `yaml:"bold"`
	Underline bool   `yaml:"underline"`
	Reverse   bool   `yaml:"reverse"`
}

// ParseFile parses a theme file; errors name file and line.
func ParseFile(path string, data []byte) (Spec, error) {
	var fs fileSpec
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Spec{}, fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&fs); err != nil {
		return Spec{}, fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	s := Spec{Name: fs.Name, Dark: true, Roles: map[Role]RoleSpec{}}
	if fs.Dark != nil {
		s.Dark = *fs.Dark
	}
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	var errs []error
	for k, v := range fs.Roles {
		r, ok := RoleByName(k)
		if !ok {
			errs = append(errs, fmt.Errorf("%s:%d: unknown role %q (roles: %s)", path, lineOf(&root, k), k, strings.Join(RoleNames(), ", ")))
			continue
		}
		for _, c := range []string{v.FG, v.BG} {
			if c != "" && !validColor(c) {
				errs = append(errs, fmt.Errorf("%s:%d: role %s: bad colour %q (want #rrggbb or 0-255)", path, lineOf(&root, k), k, c))
			}
		}
		s.Roles[r] = RoleSpec(v)
	}
	return s, errors.Join(errs...)
}

// Load finds a theme: a user file dir/NAME.yaml first, then the built-ins.
func Load(dir, name string) (Spec, error) {
	if dir != "" {
		p := filepath.Join(dir, name+".yaml")
		if data, err := os.ReadFile(p); err == nil {
			return ParseFile(p, data)
		}
	}
	if s, ok := Builtin(name); ok {
		return s, nil
	}
	return Spec{}, fmt.Errorf("unknown theme %q (built-in: %s; or a file %s)", name,
		strings.Join(BuiltinNames(), ", "), filepath.Join(dir, name+".yaml"))
}

func validColor(c string) bool {
	if strings.HasPrefix(c, "#") {
		if len(c) != 7 {
			return false
		}
		for _, r := range c[1:] {
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
		return true
	}
	n := 0
	for _, r := range c {
		if r < '0' || r > '9' {
			return false
		}
		n = n*10 + int(r-'0')
	}
	return len(c) > 0 && n <= 255
}

// lineOf finds the line of a key anywhere in the document (best effort).
func lineOf(n *yaml.Node, key string) int {
	if n == nil {
		return 0
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i].Line
			}
		}
	}
	for _, c := range n.Content {
		if l := lineOf(c, key); l > 0 {
			return l
		}
	}
	return 0
}
