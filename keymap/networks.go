package keymap

// Networks pane bindings. Pivot letters as in every pane: h host, i the
// server, l logs (by port or router ID). enter opens the server (a port of
// one) or the logs.
func init() {
	Register(
		Binding{Action: "networks.next_section", Keys: []string{"]"}, Help: "next section (ports / HA routers)", Group: "networks", Kind: Nav},
		Binding{Action: "networks.prev_section", Keys: []string{"["}, Help: "previous section", Group: "networks", Kind: Nav},
		Binding{Action: "networks.host", Keys: []string{"h"}, Help: "the port's binding host / the agent's host in the compute pane", Group: "networks", Target: "host"},
		Binding{Action: "networks.instance", Keys: []string{"i"}, Help: "the port's server in the instances pane", Group: "networks", Target: "instances"},
		Binding{Action: "networks.logs", Keys: []string{"l"}, Help: "logs mentioning this port or router ID", Group: "networks", Target: "logs"},
	)
}
