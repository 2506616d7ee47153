package demo

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/stackpit/stackpit/config"
)

// The demo's BMCs: one Redfish service per host on its own loopback port,
// answering like the DMTF mockups. PowerState is the story's power (a host
// that lost power reads Off); ComputerSystem.Reset ForceOff cuts the
// story's power, On brings the host back (not the story's failed host: its
// supply is dead, so a guided recovery evacuates it).

const bmcSystem = "/redfish/v1/Systems/1"

func init() {
	Register(Service{Name: "bmc", Order: 55, Start: startBMCs,
		Configure: func(c *Cloud, cfg *config.Cloud) {
			cfg.BMC = &config.BMC{Protocol: "redfish", Hosts: map[string]string{}, Username: c.Username, Password: c.Password}
			c.mu.Lock()
			defer c.mu.Unlock()
			for name, u := range c.URLs {
				if h, ok := strings.CutPrefix(name, "bmc-"); ok {
					cfg.BMC.Hosts[h] = u
				}
			}
		}})
}

func startBMCs(c *Cloud) error {
	var names []string
	c.Story.Lock(func() {
		for _, h := range c.Story.Hosts {
			names = append(names, h.Name)
		}
	})
	for _, name := range names {
		host := name
		if _, err := c.Listen("bmc-"+host, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			serveBMC(c, host, w, r)
		})); err != nil {
			return err
		}
	}
	return nil
}

func serveBMC(c *Cloud, host string, w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != c.Username || p != c.Password {
		redfishErr(w, http.StatusUnauthorized, "Base.1.8.NoValidSession", "There is no valid session established with the implementation.")
		return
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case r.Method == http.MethodGet && path == "/redfish/v1":
		redfishJSON(w, map[string]any{"@odata.id": "/redfish/v1", "Id": "RootService", "RedfishVersion": "1.15.0",
			"Systems": map[string]string{"@odata.id": "/redfish/v1/Systems"}})
	case r.Method == http.MethodGet && path == "/redfish/v1/Systems":
		redfishJSON(w, map[string]any{"@odata.id": "/redfish/v1/Systems", "Name": "Computer System Collection",
			"Members@odata.count": 1, "Members": []map[string]string{{"@odata.id": bmcSystem}}})
	case r.Method == http.MethodGet && path == bmcSystem:
		power := "Off"
		c.Story.Lock(func() {
			if h := c.Story.Host(host); h != nil && h.Powered {
				power = "On"
			}
		})
		redfishJSON(w, map[string]any{"@odata.id": bmcSystem, "Id": "1", "Name": host, "HostName": host,
			"SystemType": "Physical", "PowerState": power,
			"Actions": map[string]any{"#ComputerSystem.Reset": map[string]any{
				"target":                            bmcSystem + "/Actions/ComputerSystem.Reset",
				"ResetType@Redfish.AllowableValues": []string{"On", "ForceOff"},
			}}})
	case r.Method == http.MethodPost && path == bmcSystem+"/Actions/ComputerSystem.Reset":
		var body struct{ ResetType string }
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&body); err != nil {
			redfishErr(w, http.StatusBadRequest, "Base.1.8.MalformedJSON", "The request body submitted was malformed JSON.")
			return
		}
		switch body.ResetType {
		case "ForceOff":
			c.Story.Lock(func() {
				c.Story.powerDown(host, c.Story.Now(), host+" powered off through its BMC (ForceOff)")
			})
		case "On", "ForceOn":
			c.Story.Lock(func() {
				// A host whose supply died does not come up: the BMC
				// accepts the reset, the power stays off.
				if h := c.Story.Host(host); h != nil && !h.PowerFailed {
					c.Story.PowerOn(host)
				}
			})
		default:
			redfishErr(w, http.StatusBadRequest, "Base.1.8.ActionParameterNotSupported",
				"The parameter ResetType for the action ComputerSystem.Reset is not supported on the target resource.")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		redfishErr(w, http.StatusNotFound, "Base.1.8.ResourceMissingAtURI", "The resource at the URI "+path+" was not found.")
	}
}

func redfishErr(w http.ResponseWriter, code int, id, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": "Base.1.8.GeneralError", "message": "A general error has occurred. See ExtendedInfo for more information.",
		"@Message.ExtendedInfo": []map[string]string{{"MessageId": id, "Message": msg}},
	}})
}

func redfishJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
