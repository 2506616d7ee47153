package openstack

// Glance v2 images: the list an operator scans for stuck uploads and
// deletes, and the three changes worth making from a cockpit (deactivate,
// reactivate, delete). Reads page with Glance's marker ("next" link) and
// are bounded like every answer (the client's size limit).

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Image is a Glance image as the images pane needs it.
type Image struct {
	ID, Name   string
	Status     string // queued, saving, uploading, importing, active, deactivated, killed, deleted, pending_delete
	Size       int64  // bytes; 0 when unknown (queued)
	DiskFormat string
	// Stores are where the data lives: the multi-store `stores` field
	// ("rbd", "file") or, when Glance exposes locations, their URL schemes.
	Stores []string
	// Locations are the location URLs (show_multiple_locations /
	// show_image_direct_url); empty when the cloud hides them.
	Locations  []string
	OwnerID    string
	OwnerName  string // from the project name cache; "" when unknown
	Visibility string // public, private, shared, community
	Protected  bool
	Hidden     bool // os_hidden
	Created    time.Time
	Updated    time.Time // Glance bumps it on every status change
}

// ImagePageSize is the limit asked per page (Glance's api_limit_max is
// 1000 by default).
const ImagePageSize = 1000

// maxImagePages bounds paging against a server whose next link loops.
const maxImagePages = 10000

type glanceImage struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Status     string `json:"status"`
	Size       *int64 `json:"size"`
	DiskFormat string `json:"disk_format"`
	Stores     string `json:"stores"`
	DirectURL  string `json:"direct_url"`
	Locations  []struct {
		URL string `json:"url"`
	} `json:"locations"`
	Owner      string `json:"owner"`
	Visibility string `json:"visibility"`
	Protected  bool   `json:"protected"`
	Hidden     bool   `json:"os_hidden"`
	Created    string `json:"created_at"`
	Updated    string `json:"updated_at"`
}

func (g *glanceImage) toImage() Image {
	im := Image{ID: g.ID, Name: g.Name, Status: g.Status, DiskFormat: g.DiskFormat, OwnerID: g.Owner,
		Visibility: g.Visibility, Protected: g.Protected, Hidden: g.Hidden,
		Created: parseTime(g.Created), Updated: parseTime(g.Updated)}
	if g.Size != nil {
		im.Size = *g.Size
	}
	for _, l := range g.Locations {
		if l.URL != "" {
			im.Locations = append(im.Locations, l.URL)
		}
	}
	if len(im.Locations) == 0 && g.DirectURL != "" {
		im.Locations = []string{g.DirectURL}
	}
	seen := map[string]bool{}
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			im.Stores = append(im.Stores, s)
		}
	}
	for _, s := range strings.Split(g.Stores, ",") {
		add(s)
	}
	if len(im.Stores) == 0 {
		for _, l := range im.Locations {
			add(StoreOf(l))
		}
	}
	return im
}

// StoreOf names the store kind of a location URL: "rbd://fsid/images/id/snap"
// is rbd, "file:///var/lib/glance/images/id" is file, swift+https is swift.
func StoreOf(location string) string {
	scheme, _, ok := strings.Cut(location, "://")
	if !ok {
		return ""
	}
	scheme = strings.ToLower(scheme)
	if i := strings.IndexByte(scheme, '+'); i > 0 {
		scheme = scheme[:i]
	}
	return scheme
}

func (c *Client) imageService() error {
	if c.image == nil {
		return fmt.Errorf("glance: %w", ErrNoService)
	}
	return nil
}

// Images lists every image the caller may see, of every visibility
// (visibility=all: an admin sees other projects' private images too),
// following Glance's next links. Owners get project names from the name
// cache (one Keystone list, shared with the instances pane).
func (c *Client) Images(ctx context.Context) ([]Image, error) {
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	if err := c.imageService(); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("visibility", "all")
	q.Set("member_status", "all")
	q.Set("limit", strconv.Itoa(ImagePageSize))
	u := c.image.ServiceURL("images") + "?" + q.Encode()
	var out []Image
	seen := map[string]bool{}
	for page := 0; u != ""; page++ {
		if page >= maxImagePages {
			return nil, fmt.Errorf("glance: more than %d pages of images: stopped (a next link that loops?)", maxImagePages)
		}
		var body struct {
			Images []glanceImage `json:"images"`
			Next   string        `json:"next"`
		}
		if _, err := c.getJSON(ctx, c.image, "glance", u, &body); err != nil {
			return nil, err
		}
		fresh := 0
		for i := range body.Images {
			im := body.Images[i].toImage()
			if seen[im.ID] {
				continue
			}
			seen[im.ID], fresh = true, fresh+1
			out = append(out, im)
		}
		if fresh == 0 && len(body.Images) > 0 {
			return nil, fmt.Errorf("glance: page %d repeats images already listed: stopped (a next link that loops?)", page+1)
		}
		u = ""
		if body.Next != "" && len(body.Images) > 0 {
			u = c.imageNextURL(body.Next)
		}
	}
	c.imageOwners(ctx, out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// imageNextURL resolves Glance's next link ("/v2/images?marker=…"), which
// is relative to the endpoint's root, not to .../v2/.
func (c *Client) imageNextURL(next string) string {
	base, err := url.Parse(c.image.Endpoint)
	if err != nil {
		return ""
	}
	ref, err := url.Parse(next)
	if err != nil {
		return ""
	}
	if ref.IsAbs() {
		return ref.String()
	}
	// The endpoint may sit under a path prefix (/image): keep it.
	root := strings.TrimSuffix(base.Path, "/")
	root = strings.TrimSuffix(root, "/v2")
	if !strings.HasPrefix(ref.Path, root+"/") {
		ref.Path = root + ref.Path
	}
	return base.ResolveReference(ref).String()
}

// imageOwners fills OwnerName from the project cache, reloading it (at
// most once a nameRetry) when an owner is unknown.
func (c *Client) imageOwners(ctx context.Context, ims []Image) {
	c.mu.Lock()
	miss := false
	for i := range ims {
		if ims[i].OwnerID != "" {
			if _, ok := c.projects[ims[i].OwnerID]; !ok {
				miss = true
				break
			}
		}
	}
	reload := miss && (c.projects == nil || time.Since(c.projectsAt) > nameRetry)
	c.mu.Unlock()
	if reload {
		_, _ = c.Projects(ctx)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range ims {
		ims[i].OwnerName = c.projects[ims[i].OwnerID]
	}
}

// Image reads one image (GET /v2/images/{id}); a deleted image is
// ErrNotFound.
func (c *Client) Image(ctx context.Context, id string) (Image, error) {
	if err := c.Connect(ctx); err != nil {
		return Image{}, err
	}
	if err := c.imageService(); err != nil {
		return Image{}, err
	}
	var g glanceImage
	if _, err := c.getJSON(ctx, c.image, "glance", c.image.ServiceURL("images", url.PathEscape(id)), &g); err != nil {
		return Image{}, err
	}
	ims := []Image{g.toImage()}
	c.imageOwners(ctx, ims)
	return ims[0], nil
}

// ErrProtected is returned, before any request, for a delete of a
// protected image.
var ErrProtected = errors.New("image is protected")

// DeactivateImage makes an active image unreadable (no new servers boot
// from it; admin only): POST /v2/images/{id}/actions/deactivate.
func (c *Client) DeactivateImage(ctx context.Context, id string) error {
	return c.imageAction(ctx, id, "deactivate")
}

// ReactivateImage makes a deactivated image active again.
func (c *Client) ReactivateImage(ctx context.Context, id string) error {
	return c.imageAction(ctx, id, "reactivate")
}

func (c *Client) imageAction(ctx context.Context, id, verb string) error {
	if id == "" {
		return errors.New("glance: image action without an image ID")
	}
	if err := c.Connect(ctx); err != nil {
		return err
	}
	if err := c.imageService(); err != nil {
		return err
	}
	return c.send(ctx, c.image, "glance", "POST", c.image.ServiceURL("images", url.PathEscape(id), "actions", verb), nil, nil)
}

// DeleteImage deletes an image (DELETE /v2/images/{id}). im is the image
// as last read: a protected one is refused here, before any request
// (Glance would answer 403 "Image ... is protected and cannot be deleted").
func (c *Client) DeleteImage(ctx context.Context, im Image) error {
	if im.ID == "" {
		return errors.New("glance: delete without an image ID")
	}
	if im.Protected {
		return fmt.Errorf("glance: %s (%s): %w and cannot be deleted; unset it first (openstack image set --unprotected %s)",
			im.Name, im.ID, ErrProtected, im.ID)
	}
	if err := c.Connect(ctx); err != nil {
		return err
	}
	if err := c.imageService(); err != nil {
		return err
	}
	return c.send(ctx, c.image, "glance", "DELETE", c.image.ServiceURL("images", url.PathEscape(im.ID)), nil, nil)
}
