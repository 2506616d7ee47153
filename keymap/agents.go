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
		Binding{Action: "agents.disable", Keys: []string{"D"}, Help: "disable this Neutron agent (admin_state_up=false)", Group: "agents", Mutates: true},
		Binding{Action: "agents.enable", Keys: []string{"E"}, Help: "enable this Neutron agent", Group: "agents", Mutates: true},
		Binding{Action: "agents.delete", Keys: []string{"X"}, Help: "delete this dead Neutron agent's record", Group: "agents", Mutates: true, Destructive: true},
	)
}
