package ops

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stackpit/stackpit/datasource/haproxy"
)

type fakeHAProxy struct {
	status  map[string]string
	ignore  bool // accept commands but change nothing
	failSet error
	sets    []string
}

func (f *fakeHAProxy) Stats(context.Context) (haproxy.Stats, error) {
	var rows []haproxy.Row
	for k, s := range f.status {
		b, srv, _ := strings.Cut(k, "/")
		rows = append(rows, haproxy.Row{Proxy: b, Name: srv, Kind: haproxy.Server, Status: s})
	}
	return haproxy.Group(rows), nil
}

func (f *fakeHAProxy) SetServerState(_ context.Context, b, s string, st haproxy.ServerState) error {
	f.sets = append(f.sets, b+"/"+s+" "+string(st))
	if f.failSet != nil {
		return f.failSet
	}
	if !f.ignore {
		f.status[b+"/"+s] = map[haproxy.ServerState]string{haproxy.Drain: "DRAIN", haproxy.Maint: "MAINT", haproxy.Ready: "UP"}[st]
	}
	return nil
}

func TestChangeHAProxyReadsBack(t *testing.T) {
	f := &fakeHAProxy{status: map[string]string{"keystone_internal/control02": "UP"}}
	c := HAProxyChange{Backend: "keystone_internal", Server: "control02", State: haproxy.Drain}
	if c.Name() != "haproxy-drain" || c.Target() != "keystone_internal/control02" {
		t.Fatalf("%s %s", c.Name(), c.Target())
	}
	res, err := ChangeHAProxy(context.Background(), f, c, nil)
	if err != nil || res != "keystone_internal/control02 is DRAIN" {
		t.Fatalf("%q %v", res, err)
	}
	// HAProxy said nothing but the state did not move: not a success.
	f.ignore = true
	_, err = ChangeHAProxy(context.Background(), f, HAProxyChange{Backend: "keystone_internal", Server: "control02", State: haproxy.Maint}, nil)
	if err == nil || !strings.Contains(err.Error(), "still reads DRAIN") {
		t.Fatalf("%v", err)
	}
	f.ignore = false
	if _, err := ChangeHAProxy(context.Background(), f, HAProxyChange{Backend: "keystone_internal", Server: "control02", State: haproxy.Ready}, nil); err != nil {
		t.Fatal(err)
	}
	// A refused command is the error, and nothing is read back as done.
	f.failSet = errors.New("refused")
	if _, err := ChangeHAProxy(context.Background(), f, c, nil); err == nil || err.Error() != "refused" {
		t.Fatal(err)
	}
	done, ev, err := ReadBackHAProxy(context.Background(), f, c)
	if err != nil || done || ev != "keystone_internal/control02 still reads UP" {
		t.Fatalf("%v %q %v", done, ev, err)
	}
}
