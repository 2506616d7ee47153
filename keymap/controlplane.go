package keymap

// Control-plane pane bindings. Drain, maint and ready act on the selected
// HAProxy server through the runtime API.
func init() {
	Register(
		Binding{Action: "controlplane.next_section", Keys: []string{"s", "]"}, Help: "next section (HAProxy/RabbitMQ/Queues/memcached)", Group: "controlplane"},
		Binding{Action: "controlplane.prev_section", Keys: []string{"S", "["}, Help: "previous section", Group: "controlplane"},
		Binding{Action: "controlplane.compute", Keys: []string{"c"}, Help: "this host in the compute pane", Group: "controlplane"},
		Binding{Action: "controlplane.agents", Keys: []string{"a"}, Help: "this host's agents", Group: "controlplane"},
		Binding{Action: "controlplane.containers", Keys: []string{"C"}, Help: "containers on this host", Group: "controlplane"},
		Binding{Action: "controlplane.logs", Keys: []string{"L"}, Help: "logs of this host", Group: "controlplane"},
		Binding{Action: "controlplane.drain", Keys: []string{"d"}, Help: "drain this HAProxy server (no new sessions)", Group: "controlplane", Mutates: true},
		Binding{Action: "controlplane.maint", Keys: []string{"m"}, Help: "put this HAProxy server in maintenance", Group: "controlplane", Mutates: true, Destructive: true},
		Binding{Action: "controlplane.ready", Keys: []string{"r"}, Help: "put this HAProxy server back to ready", Group: "controlplane", Mutates: true},
	)
}
