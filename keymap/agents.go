package keymap

// Agents pane bindings. enter (table.open) shows the host in the compute pane.
func init() {
	Register(
		Binding{Action: "agents.host", Keys: []string{"h"}, Help: "this host in the compute pane", Group: "agents", Target: "host"},
		Binding{Action: "agents.instances", Keys: []string{"i"}, Help: "instances on this host", Group: "agents", Target: "instances"},
		Binding{Action: "agents.containers", Keys: []string{"c"}, Help: "the agent's container", Group: "agents", Target: "containers"},
		Binding{Action: "agents.logs", Keys: []string{"l"}, Help: "logs of this host", Group: "agents", Target: "logs"},
		Binding{Action: "agents.panels", Keys: []string{"m"}, Help: "metric panels for this host", Group: "agents", Target: "metrics"},
		Binding{Action: "agents.alerts", Keys: []string{"a"}, Help: "alerts for this host", Group: "agents", Target: "alerts"},
	)
}
