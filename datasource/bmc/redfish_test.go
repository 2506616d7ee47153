package bmc

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// mockupBMC answers like the DMTF Redfish mockups (public-rackmount1): a
// Systems collection with one member, whose PowerState and
// #ComputerSystem.Reset target are those of the mockup. No Redfish emulator
// is packaged in Debian (sushy-tools is not), so this is the Redfish server.
type mockupBMC struct {
	mu    sync.Mutex
	power string
	posts []string
	gets  []string
}

const mockupSystem = "/redfish/v1/Systems/437XR1138R2"

func (m *mockupBMC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u, p, ok := r.BasicAuth(); !ok || u != "root" || p != "calvin" {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":{"code":"Base.1.8.GeneralError","message":"A general error has occurred.",`+
			`"@Message.ExtendedInfo":[{"MessageId":"Base.1.8.NoValidSession","Message":"There is no valid session established with the implementation."}]}}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodGet {
		m.gets = append(m.gets, r.URL.Path)
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/redfish/v1/Systems":
		_, _ = io.WriteString(w, `{"@odata.type":"#ComputerSystemCollection.ComputerSystemCollection","Name":"Computer System Collection",
"Members@odata.count":1,"Members":[{"@odata.id":"/redfish/v1/Systems/437XR1138R2"}],"@odata.id":"/redfish/v1/Systems"}`)
	case r.Method == http.MethodGet && r.URL.Path == mockupSystem:
		_ = json.NewEncoder(w).Encode(map[string]any{
			"@odata.type": "#ComputerSystem.v1_20_0.ComputerSystem", "Id": "437XR1138R2", "Name": "WebFrontEnd483",
			"SystemType": "Physical", "Manufacturer": "Contoso", "PowerState": m.power,
			"Actions": map[string]any{"#ComputerSystem.Reset": map[string]any{
				"target":                            mockupSystem + "/Actions/ComputerSystem.Reset",
				"ResetType@Redfish.AllowableValues": []string{"On", "ForceOff", "GracefulShutdown", "GracefulRestart", "ForceRestart", "Nmi", "ForceOn", "PushPowerButton"},
			}},
			"@odata.id": mockupSystem,
		})
	case r.Method == http.MethodPost && r.URL.Path == mockupSystem+"/Actions/ComputerSystem.Reset":
		var body struct{ ResetType string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		m.posts = append(m.posts, body.ResetType)
		switch body.ResetType {
		case "ForceOff":
			m.power = "Off"
		case "On":
			m.power = "On"
		default:
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":{"message":"unsupported ResetType"}}`)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		m.posts = append(m.posts, r.Method+" "+r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
	}
}

func newRedfish(t *testing.T, m *mockupBMC, sessionRO, clientRO bool, user string) *Client {
	t.Helper()
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	hc, err := httpclient.New(httpclient.Options{ReadOnly: sessionRO})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{Hosts: map[string]string{"compute04": srv.URL}, Username: user, Password: "calvin",
		HTTP: hc, ReadOnly: clientRO, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRedfishPowerCycle(t *testing.T) {
	m := &mockupBMC{power: "On"}
	c := newRedfish(t, m, false, false, "root")
	ctx := context.Background()
	if s, err := c.PowerState(ctx, "compute04"); err != nil || s != On {
		t.Fatalf("state %v %v", s, err)
	}
	if err := c.PowerOff(ctx, "compute04"); err != nil {
		t.Fatal(err)
	}
	if s, err := c.PowerState(ctx, "compute04"); err != nil || s != Off {
		t.Fatalf("after ForceOff: %v %v", s, err)
	}
	if err := c.PowerOn(ctx, "compute04"); err != nil {
		t.Fatal(err)
	}
	if s, _ := c.PowerState(ctx, "compute04"); s != On {
		t.Fatalf("after On: %v", s)
	}
	if strings.Join(m.posts, ",") != "ForceOff,On" {
		t.Errorf("posts %v", m.posts)
	}
}

func TestRedfishTransitionalStatesAreNotOff(t *testing.T) {
	for power, want := range map[string]State{"PoweringOff": Unknown, "PoweringOn": On, "Paused": Unknown, "Off": Off} {
		m := &mockupBMC{power: power}
		c := newRedfish(t, m, false, false, "root")
		if s, err := c.PowerState(context.Background(), "compute04"); err != nil || s != want {
			t.Errorf("%s: %v %v, want %v", power, s, err, want)
		}
	}
}

// The HTTP guard alone (client not marked read-only) refuses the Reset, and
// so does the client alone: neither lets a POST reach the BMC.
func TestRedfishReadOnlySendsNoReset(t *testing.T) {
	for _, tc := range []struct {
		name                string
		sessionRO, clientRO bool
	}{{"guard", true, false}, {"client", false, true}} {
		m := &mockupBMC{power: "On"}
		c := newRedfish(t, m, tc.sessionRO, tc.clientRO, "root")
		ctx := context.Background()
		if s, err := c.PowerState(ctx, "compute04"); err != nil || s != On {
			t.Fatalf("%s: read-only read: %v %v", tc.name, s, err)
		}
		for _, fn := range []func(context.Context, string) error{c.PowerOff, c.PowerOn} {
			if err := fn(ctx, "compute04"); !errors.Is(err, httpclient.ErrReadOnly) {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
		if len(m.posts) != 0 || m.power != "On" {
			t.Errorf("%s: the BMC got %v", tc.name, m.posts)
		}
	}
}

func TestRedfishErrors(t *testing.T) {
	m := &mockupBMC{power: "On"}
	c := newRedfish(t, m, false, false, "nobody")
	_, err := c.PowerState(context.Background(), "compute04")
	if err == nil || !strings.Contains(err.Error(), "GET /redfish/v1/Systems failed: HTTP 401 (check bmc username and password): There is no valid session") {
		t.Errorf("401: %v", err)
	}

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	hc, _ := httpclient.New(httpclient.Options{})
	dead, _ := New(Options{Hosts: map[string]string{"compute04": "http://" + addr}, HTTP: hc, Retries: -1})
	_, err = dead.PowerState(context.Background(), "compute04")
	var ue *UnreachableError
	if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "bmc http://"+addr+" unreachable: connection refused") {
		t.Errorf("refused: %v", err)
	}
}

// A power read goes straight to the system found before: one request per
// read, not two (issue 15: 1,000 hosts' steady reads were 2,000 requests a
// minute); a reset looks the system up first.
func TestRedfishPowerReadsReuseTheSystemPath(t *testing.T) {
	m := &mockupBMC{power: "On"}
	c := newRedfish(t, m, false, false, "root")
	ctx := context.Background()
	for range 3 {
		if s, err := c.PowerState(ctx, "compute04"); err != nil || s != On {
			t.Fatalf("state %v %v", s, err)
		}
	}
	if got := strings.Join(m.gets, ","); got != "/redfish/v1/Systems,"+mockupSystem+","+mockupSystem+","+mockupSystem {
		t.Fatalf("3 power reads asked %s", got)
	}
	m.gets = nil
	if err := c.PowerOff(ctx, "compute04"); err != nil {
		t.Fatal(err)
	}
	if len(m.gets) == 0 || m.gets[0] != "/redfish/v1/Systems" {
		t.Fatalf("a reset did not look the system up: %v", m.gets)
	}
}
