package keymap

// Agents pane bindings. enter (table.open) shows the host in the compute pane.
func init() {
	Register(
		Binding{Action: "agents.containers", Keys: []string{"C"}, Help: "the agent's container", Group: "agents"},
		Binding{Action: "agents.logs", Keys: []string{"L"}, Help: "logs of this host", Group: "agents"},
		Binding{Action: "agents.alerts", Keys: []string{"A"}, Help: "alerts for this host", Group: "agents"},
		Binding{Action: "agents.panels", Keys: []string{"P"}, Help: "metric panels for this host", Group: "agents"},
		Binding{Action: "agents.instances", Keys: []string{"i"}, Help: "instances on this host", Group: "agents"},
	)
}
