package docker

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// Discovery adds the cloud's service hosts through the template; a
// configured host keeps its own address, and a host nobody knows is an
// error of that host only.
func TestFleetDiscoversServiceHostsConfiguredWin(t *testing.T) {
	f := NewFleet(FleetOptions{
		Hosts:           map[string]string{"control01": "unix:///run/c01/docker.sock", "bad": "ftp://x"},
		AddressTemplate: "unix:///run/{host}/docker.sock",
		ServiceHosts: func(context.Context) ([]string, error) {
			return []string{"control01", "compute01", "compute02", "bad"}, nil
		},
	})
	if got := f.Hosts(); !slices.Equal(got, []string{"bad", "control01"}) {
		t.Fatalf("configured hosts %v", got)
	}
	added, err := f.DiscoverHosts(context.Background())
	if err != nil || !slices.Equal(added, []string{"compute01", "compute02"}) {
		t.Fatalf("added %v, %v", added, err)
	}
	if c, _ := f.client("control01"); c == nil || c.Addr != "unix:///run/c01/docker.sock" {
		t.Fatalf("configured address lost: %+v", c)
	}
	if c, _ := f.client("compute02"); c == nil || c.Addr != "unix:///run/compute02/docker.sock" {
		t.Fatalf("template address: %+v", c)
	}
	if _, err := f.List(context.Background(), "bad"); err == nil || !strings.Contains(err.Error(), "unsupported address") {
		t.Fatalf("bad address: %v", err)
	}
	if _, err := f.List(context.Background(), "nowhere"); err == nil || !strings.Contains(err.Error(), "no docker address configured for host nowhere") {
		t.Fatalf("unknown host: %v", err)
	}
	// A failed service list is discovery's error, not a panic or a silent nothing.
	f = NewFleet(FleetOptions{AddressTemplate: "unix:///x/{host}", ServiceHosts: func(context.Context) ([]string, error) {
		return nil, errors.New("nova unreachable")
	}})
	if _, err := f.DiscoverHosts(context.Background()); err == nil {
		t.Fatal("discovery error swallowed")
	}
}
