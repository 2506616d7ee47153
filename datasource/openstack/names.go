package openstack

import (
	"context"
	"errors"
	"net/url"
	"sync"
)

// nameCache keeps the image and user names looked up for instance detail:
// one GET per ID for the client's life (names rarely change, and the
// detail view asks again for every server opened).
type nameCache struct {
	mu     sync.Mutex
	images map[string]string // ID -> name ("" when deleted)
	users  map[string]string
	// usersDenied: Keystone refused a user lookup (403): not asked again.
	usersDenied bool
}

// get reads under the lock: m is the field's address, since put replaces
// a nil map (reading the field to pass it would race with that).
func (n *nameCache) get(m *map[string]string, id string) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	v, ok := (*m)[id]
	return v, ok
}

func (n *nameCache) put(m *map[string]string, id, name string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[id] = name
}

// ImageName is the name of a Glance image ("" when it no longer exists or
// the cloud has no image service), cached.
func (c *Client) ImageName(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	if v, ok := c.names.get(&c.names.images, id); ok {
		return v, nil
	}
	if err := c.Connect(ctx); err != nil {
		return "", err
	}
	if c.image == nil {
		return "", nil
	}
	var body struct {
		Name string `json:"name"`
	}
	_, err := c.getJSON(ctx, c.image, "glance", c.image.ServiceURL("images", url.PathEscape(id)), &body)
	if errors.Is(err, ErrNotFound) {
		err, body.Name = nil, ""
	}
	if err != nil {
		return "", err
	}
	c.names.put(&c.names.images, id, body.Name)
	return body.Name, nil
}

// UserName is the name of a Keystone user, cached. Reading users needs an
// admin (or reader) role: on 403 it answers "" without error, and never
// asks again.
func (c *Client) UserName(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	if v, ok := c.names.get(&c.names.users, id); ok {
		return v, nil
	}
	c.names.mu.Lock()
	denied := c.names.usersDenied
	c.names.mu.Unlock()
	if denied {
		return "", nil
	}
	if err := c.Connect(ctx); err != nil {
		return "", err
	}
	var body struct {
		User struct {
			Name string `json:"name"`
		} `json:"user"`
	}
	_, err := c.getJSON(ctx, c.identity, "keystone", c.identity.ServiceURL("users", url.PathEscape(id)), &body)
	switch {
	case errors.Is(err, ErrForbidden):
		c.names.mu.Lock()
		c.names.usersDenied = true
		c.names.mu.Unlock()
		return "", nil
	case errors.Is(err, ErrNotFound):
		err, body.User.Name = nil, ""
	}
	if err != nil {
		return "", err
	}
	c.names.put(&c.names.users, id, body.User.Name)
	return body.User.Name, nil
}
