package keymap

// Control-plane pane bindings. Drain, maint and ready act on the selected
// HAProxy server through the runtime API.
func init() {
	Register(
		Binding{Action: "controlplane.next_section", Keys: []string{"]"}, Help: "next section (HAProxy/RabbitMQ/Queues/memcached/Connections/Controllers/Galera)", Group: "controlplane", Kind: Nav},
		Binding{Action: "controlplane.prev_section", Keys: []string{"["}, Help: "previous section", Group: "controlplane", Kind: Nav},
		Binding{Action: "controlplane.compute", Keys: []string{"h"}, Help: "this host in the compute pane", Group: "controlplane", Target: "host"},
		Binding{Action: "controlplane.containers", Keys: []string{"c"}, Help: "containers on this host", Group: "controlplane", Target: "containers"},
		Binding{Action: "controlplane.logs", Keys: []string{"l"}, Help: "logs of this host", Group: "controlplane", Target: "logs"},
		Binding{Action: "controlplane.agents", Keys: []string{"v"}, Help: "this host's agents and services", Group: "controlplane", Target: "agents"},
		Binding{Action: "controlplane.drain", Keys: []string{"D"}, Help: "drain this HAProxy server (no new sessions)", Group: "controlplane", Mutates: true},
		Binding{Action: "controlplane.maint", Keys: []string{"M"}, Help: "put this HAProxy server in maintenance", Group: "controlplane", Mutates: true, Destructive: true},
		Binding{Action: "controlplane.ready", Keys: []string{"U"}, Help: "put this HAProxy server back to ready (up)", Group: "controlplane", Mutates: true},
	)
}
