// Package serve is `stackpit serve`: an SSH server (Charm's wish) that runs
// one cockpit per session for the people in a users file. The server holds
// the cloud credentials; a user brings only an SSH key, and the role the
// file gives that key decides, on the server, whether the session can
// change anything.
package serve

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
	"gopkg.in/yaml.v3"
)

// Roles.
const (
	RoleOperator = "operator"
	RoleAuditor  = "auditor"
)

// User is one person allowed in.
type User struct {
	Name   string
	Role   string
	Clouds []string // empty: every cloud of the server's config
	Keys   []ssh.PublicKey
}

// ReadOnly: an auditor's session is built from read-only clients.
func (u *User) ReadOnly() bool { return u.Role != RoleOperator }

// MayUse reports whether the user may see cloud.
func (u *User) MayUse(cloud string) bool {
	if len(u.Clouds) == 0 {
		return true
	}
	for _, c := range u.Clouds {
		if c == cloud {
			return true
		}
	}
	return false
}

// Limits bound what sessions may hold.
type Limits struct {
	SessionsPerUser int
	SessionsTotal   int
	Idle            time.Duration // no key pressed for this long ends the session
}

// Users is the parsed users file.
type Users struct {
	Path   string
	List   []*User
	Limits Limits
}

type usersDoc struct {
	Users []struct {
		Name           string   `yaml:"name"`
		Role           string   `yaml:"role"`
		Keys           []string `yaml:"keys"`
		AuthorizedKeys string   `yaml:"authorized_keys"`
		Clouds         []string `yaml:"clouds"`
	} `yaml:"users"`
	Limits struct {
		SessionsPerUser int    `yaml:"sessions_per_user"`
		SessionsTotal   int    `yaml:"sessions_total"`
		IdleTimeout     string `yaml:"idle_timeout"`
	} `yaml:"limits"`
}

// Default limits: enough for an incident, not for a runaway script.
const (
	defaultPerUser = 4
	defaultTotal   = 32
	defaultIdle    = 30 * time.Minute
)

// LoadUsers reads and validates a users file. Every error names the file
// and, where it can, the line.
func LoadUsers(path string) (*Users, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("users file: %w", err)
	}
	return ParseUsers(path, data)
}

// ParseUsers decodes a users file (see LoadUsers).
func ParseUsers(path string, data []byte) (*Users, error) {
	var doc usersDoc
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %v", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var node yaml.Node
	_ = yaml.Unmarshal(data, &node)
	line := func(i int) int { return userLine(&node, i) }
	u := &Users{Path: path, Limits: Limits{SessionsPerUser: defaultPerUser, SessionsTotal: defaultTotal, Idle: defaultIdle}}
	if doc.Limits.SessionsPerUser > 0 {
		u.Limits.SessionsPerUser = doc.Limits.SessionsPerUser
	}
	if doc.Limits.SessionsTotal > 0 {
		u.Limits.SessionsTotal = doc.Limits.SessionsTotal
	}
	if doc.Limits.IdleTimeout != "" {
		d, err := time.ParseDuration(doc.Limits.IdleTimeout)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%s: limits.idle_timeout %q: want a duration such as 30m", path, doc.Limits.IdleTimeout)
		}
		u.Limits.Idle = d
	}
	var errs []error
	names := map[string]bool{}
	owner := map[string]string{} // key fingerprint -> user: one key, one person
	for i, d := range doc.Users {
		at := fmt.Sprintf("%s:%d", path, line(i))
		if d.Name == "" {
			errs = append(errs, fmt.Errorf("%s: a user without a name", at))
			continue
		}
		if names[d.Name] {
			errs = append(errs, fmt.Errorf("%s: user %q listed twice", at, d.Name))
		}
		names[d.Name] = true
		role := d.Role
		if role == "" {
			role = RoleAuditor // the safe default: seeing is not changing
		}
		if role != RoleOperator && role != RoleAuditor {
			errs = append(errs, fmt.Errorf("%s: user %q: role %q: want operator or auditor", at, d.Name, d.Role))
			continue
		}
		usr := &User{Name: d.Name, Role: role, Clouds: d.Clouds}
		for _, k := range d.Keys {
			pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: user %q: key %q: %v", at, d.Name, short(k), err))
				continue
			}
			usr.Keys = append(usr.Keys, pk)
		}
		if d.AuthorizedKeys != "" {
			p := d.AuthorizedKeys
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(path), p)
			}
			ks, err := readAuthorizedKeys(p)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: user %q: %v", at, d.Name, err))
			}
			usr.Keys = append(usr.Keys, ks...)
		}
		if len(usr.Keys) == 0 {
			errs = append(errs, fmt.Errorf("%s: user %q has no keys (keys: or authorized_keys:)", at, d.Name))
		}
		for _, k := range usr.Keys {
			fp := Fingerprint(k)
			if o, dup := owner[fp]; dup && o != d.Name {
				errs = append(errs, fmt.Errorf("%s: user %q: key %s is also %q's: one key must name one person", at, d.Name, fp, o))
			}
			owner[fp] = d.Name
		}
		u.List = append(u.List, usr)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(u.List) == 0 {
		return nil, fmt.Errorf("%s: no users: nobody could log in", path)
	}
	return u, nil
}

// Find returns the user owning key, or nil.
func (u *Users) Find(key ssh.PublicKey) *User {
	for _, usr := range u.List {
		for _, k := range usr.Keys {
			if ssh.KeysEqual(k, key) {
				return usr
			}
		}
	}
	return nil
}

// Fingerprint is the SHA256 fingerprint OpenSSH prints.
func Fingerprint(k ssh.PublicKey) string { return gossh.FingerprintSHA256(k) }

func readAuthorizedKeys(path string) ([]ssh.PublicKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("authorized_keys: %w", err)
	}
	defer f.Close()
	var out []ssh.PublicKey
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(l))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		out = append(out, pk)
	}
	return out, sc.Err()
}

// userLine finds the line of the i-th entry under users: in the document.
func userLine(doc *yaml.Node, i int) int {
	if doc == nil || len(doc.Content) == 0 {
		return 0
	}
	m := doc.Content[0]
	for j := 0; j+1 < len(m.Content); j += 2 {
		if m.Content[j].Value == "users" {
			seq := m.Content[j+1]
			if i < len(seq.Content) {
				return seq.Content[i].Line
			}
		}
	}
	return 0
}

func short(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}
