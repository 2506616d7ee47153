package instances

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// namingSource answers the detail's name lookups; the user lookup is
// denied (Keystone 403 reaches the pane as "").
type namingSource struct{ *fakeSource }

func (n namingSource) ImageName(ctx context.Context, id string) (string, error) {
	n.rec("image " + id)
	if id == "img-1" {
		return "ubuntu-24.04", nil
	}
	return "", nil
}

func (n namingSource) UserName(ctx context.Context, id string) (string, error) {
	n.rec("user " + id)
	if id == "u-alice" {
		return "alice", nil
	}
	return "", nil
}

// The detail names image, flavor, user, project, networks and security
// groups next to their IDs, and dates the fault with its code.
func TestDetailShowsNamesWithIDs(t *testing.T) {
	src := &fakeSource{servers: fixture()}
	for i := range src.servers {
		s := &src.servers[i]
		if s.ID != id(5) && s.ID != id(6) {
			continue
		}
		s.ImageID, s.VolumeBacked, s.UserID = "img-1", false, "u-alice"
		s.FlavorID, s.FlavorName = "f-3", "m1.large"
		s.Networks, s.SecurityGroups = []string{"ext-net", "private"}, []string{"default", "web"}
		s.Status, s.Fault, s.FaultCode, s.FaultAt = "ERROR", "No valid host was found.", 500, t0.Add(-2*time.Hour)
		if s.ID == id(6) {
			s.ImageID, s.UserID = "img-gone", "u-hidden"
		}
	}
	p, now := newPane(t, namingSource{src})
	drive(p, p.Init())
	*now = now.Add(3 * time.Second)
	p.SetFilter("id:" + id(5))
	press(p, "enter")
	out := p.View(110, 40)
	checkFrame(t, out, 110, 40)
	v := ansi.Strip(out)
	for _, want := range []string{"image ubuntu-24.04 (img-1)", "user alice (u-alice)", "flavor m1.large (f-3)", "project web (p0)",
		"security groups default, web", "networks ext-net, private", "nova fault 500 at 2026-", "(2h ago): No valid host was found."} {
		if !strings.Contains(v, want) {
			t.Errorf("detail lacks %q:\n%s", want, v)
		}
	}
	golden(t, "detail-names-110x40", v)
	// Unknown names (deleted image, Keystone refusing users) leave the IDs.
	p.Back()
	p.SetFilter("id:" + id(6))
	press(p, "enter")
	v = ansi.Strip(p.View(110, 40))
	for _, want := range []string{"image img-gone\n", "user u-hidden\n"} {
		if !strings.Contains(v, want) {
			t.Errorf("detail lacks %q:\n%s", want, v)
		}
	}
}
