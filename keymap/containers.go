package keymap

// Containers pane bindings. enter (table.open) or d shows the container's
// own output (docker logs -f); l is its lines in Loki like everywhere.
func init() {
	Register(
		Binding{Action: "containers.restart", Keys: []string{"R"}, Help: "restart container", Group: "containers", Mutates: true},
		Binding{Action: "containers.stop", Keys: []string{"S"}, Help: "stop container", Group: "containers", Mutates: true, Destructive: true},
		Binding{Action: "containers.start", Keys: []string{"U"}, Help: "start container (up)", Group: "containers", Mutates: true},
		Binding{Action: "containers.logs", Keys: []string{"d"}, Help: "container output (docker logs -f)", Group: "containers"},
		Binding{Action: "containers.next_host", Keys: []string{"]"}, Help: "next host", Group: "containers", Kind: Nav},
		Binding{Action: "containers.prev_host", Keys: []string{"["}, Help: "previous host", Group: "containers", Kind: Nav},
		Binding{Action: "containers.problems", Keys: []string{"!"}, Help: "problems only (unhealthy, exited)", Group: "containers"},
		Binding{Action: "containers.compute", Keys: []string{"h"}, Help: "this host in compute", Group: "containers", Target: "host"},
		Binding{Action: "containers.loki", Keys: []string{"l"}, Help: "this container's logs in Loki", Group: "containers", Target: "logs"},
		Binding{Action: "containers.agents", Keys: []string{"v"}, Help: "this host's agents and services", Group: "containers", Target: "agents"},
	)
}
