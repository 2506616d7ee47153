package demo

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Keystone v3: version document, password token issue with a catalog of every
// registered OpenStack service, and token validation for the other backends.

type tokenInfo struct {
	user    string
	expires time.Time
}

// TokenLifetime is how long demo tokens live; tests shorten it to exercise
// re-authentication.
var TokenLifetime = time.Hour

func init() {
	Register(Service{Name: "keystone", CatalogType: "identity", CatalogPath: "/v3", Order: 0,
		Handler: func(c *Cloud) http.Handler { return http.HandlerFunc(c.keystone) }})
}

func (c *Cloud) keystone(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case p == "" || p == "/v3":
		WriteJSON(w, 200, map[string]any{"version": map[string]any{"id": "v3.14", "status": "stable",
			"links":       []map[string]string{{"rel": "self", "href": c.URLs["keystone"] + "/v3/"}},
			"media-types": []map[string]string{{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}}}})
	case p == "/v3/auth/tokens" && r.Method == http.MethodPost:
		c.issueToken(w, r)
	case p == "/v3/auth/tokens" && r.Method == http.MethodGet:
		if !c.ValidToken(r.Header.Get("X-Subject-Token")) {
			WriteJSON(w, 404, osError(404, "Could not find token."))
			return
		}
		w.WriteHeader(200)
	case p == "/v3/projects" && r.Method == http.MethodGet:
		if !c.Authorized(w, r) {
			return
		}
		var ps []map[string]any
		c.Story.Lock(func() {
			for _, pr := range c.Story.Projects {
				ps = append(ps, map[string]any{"id": pr.ID, "name": pr.Name, "domain_id": "default", "enabled": true})
			}
		})
		WriteJSON(w, 200, map[string]any{"projects": ps})
	case strings.HasPrefix(p, "/v3/users/") && strings.Count(p, "/") == 3 && r.Method == http.MethodGet:
		if !c.Authorized(w, r) {
			return
		}
		id := strings.TrimPrefix(p, "/v3/users/")
		known := false
		c.Story.Lock(func() {
			for _, in := range c.Story.Instances {
				if in.UserID == id {
					known = true
					break
				}
			}
		})
		if !known {
			WriteJSON(w, 404, osError(404, "Could not find user: "+id+"."))
			return
		}
		WriteJSON(w, 200, map[string]any{"user": map[string]any{"id": id, "name": demoUserName(id),
			"domain_id": "default", "enabled": true}})
	default:
		WriteJSON(w, 404, osError(404, "The resource could not be found."))
	}
}

// demoUserName is a stable name for an instance owner's user ID.
func demoUserName(id string) string {
	names := []string{"alice", "bhavin", "chen", "dana", "emeka", "freya", "goran", "hana"}
	h := 0
	for _, b := range []byte(id) {
		h = h*31 + int(b)
	}
	return names[(h%len(names)+len(names))%len(names)] + "-" + id[:min(4, len(id))]
}

func (c *Cloud) issueToken(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Auth struct {
			Identity struct {
				Methods  []string `json:"methods"`
				Password struct {
					User struct {
						Name     string `json:"name"`
						Password string `json:"password"`
					} `json:"user"`
				} `json:"password"`
			} `json:"identity"`
		} `json:"auth"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		WriteJSON(w, 400, osError(400, "Malformed request body"))
		return
	}
	u := body.Auth.Identity.Password.User
	c.mu.Lock()
	refuse := c.refusePasswords
	c.mu.Unlock()
	if u.Name != c.Username || u.Password != c.Password || refuse {
		WriteJSON(w, 401, osError(401, "The request you have made requires authentication."))
		return
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := "gAAAAA" + hex.EncodeToString(b)
	now := time.Now().UTC()
	exp := now.Add(TokenLifetime)
	c.mu.Lock()
	c.tokens[tok] = tokenInfo{user: u.Name, expires: exp}
	c.mu.Unlock()

	var projID string
	c.Story.Lock(func() { projID = c.Story.Projects[0].ID })
	c.mu.Lock()
	names := make([]string, 0, len(c.URLs))
	for n := range c.URLs {
		names = append(names, n)
	}
	urls := map[string]string{}
	for k, v := range c.URLs {
		urls[k] = v
	}
	c.mu.Unlock()
	sort.Strings(names)
	regMu.Lock()
	svcs := append([]Service(nil), services...)
	regMu.Unlock()
	var catalog []map[string]any
	for _, s := range svcs {
		base, ok := urls[s.Name]
		if s.CatalogType == "" || !ok {
			continue
		}
		var eps []map[string]any
		for _, iface := range []string{"public", "internal", "admin"} {
			eps = append(eps, map[string]any{"id": s.Name + "-" + iface, "interface": iface, "region": "RegionOne",
				"region_id": "RegionOne", "url": base + strings.ReplaceAll(s.CatalogPath, "{project_id}", projID)})
		}
		catalog = append(catalog, map[string]any{"id": s.Name, "type": s.CatalogType, "name": s.Name, "endpoints": eps})
	}
	w.Header().Set("X-Subject-Token", tok)
	WriteJSON(w, 201, map[string]any{"token": map[string]any{
		"methods": []string{"password"}, "expires_at": exp.Format("2006-01-02T15:04:05.000000Z"),
		"issued_at": now.Format("2006-01-02T15:04:05.000000Z"),
		"user":      map[string]any{"id": "u-" + u.Name, "name": u.Name, "domain": map[string]string{"id": "default", "name": "Default"}},
		"project":   map[string]any{"id": projID, "name": c.Project, "domain": map[string]string{"id": "default", "name": "Default"}},
		"roles":     []map[string]string{{"id": "r-admin", "name": "admin"}, {"id": "r-reader", "name": "reader"}},
		"catalog":   catalog,
	}})
}

// ValidToken reports whether tok was issued and has not expired.
func (c *Cloud) ValidToken(tok string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tokens[tok]
	return ok && time.Now().Before(t.expires)
}

// ExpireTokens invalidates every token (tests: re-authentication).
func (c *Cloud) ExpireTokens() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tokens = map[string]tokenInfo{}
}

// RefusePasswords makes Keystone refuse every password from now on (or
// accept them again): a password rotated mid-session (tests: re-auth backoff).
func (c *Cloud) RefusePasswords(refuse bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refusePasswords = refuse
}

// Authorized checks X-Auth-Token and writes a 401 like OpenStack's when it
// is missing or expired.
func (c *Cloud) Authorized(w http.ResponseWriter, r *http.Request) bool {
	if c.ValidToken(r.Header.Get("X-Auth-Token")) {
		return true
	}
	w.Header().Set("WWW-Authenticate", "Keystone uri=\""+c.URLs["keystone"]+"\"")
	WriteJSON(w, 401, osError(401, "The request you have made requires authentication."))
	return false
}

func osError(code int, msg string) map[string]any {
	return map[string]any{"error": map[string]any{"code": code, "message": msg, "title": http.StatusText(code)}}
}

// WriteJSON writes v as JSON with a status code.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
