package keymap

func init() {
	Register(
		Binding{Action: "containers.restart", Keys: []string{"R"}, Help: "restart container", Group: "containers", Mutates: true},
		Binding{Action: "containers.stop", Keys: []string{"S"}, Help: "stop container", Group: "containers", Mutates: true, Destructive: true},
		Binding{Action: "containers.start", Keys: []string{"s"}, Help: "start container", Group: "containers", Mutates: true},
		Binding{Action: "containers.logs", Keys: []string{"l"}, Help: "container logs (docker logs -f)", Group: "containers"},
		Binding{Action: "containers.next_host", Keys: []string{"]"}, Help: "next host", Group: "containers"},
		Binding{Action: "containers.prev_host", Keys: []string{"["}, Help: "previous host", Group: "containers"},
		Binding{Action: "containers.problems", Keys: []string{"!"}, Help: "problems only (unhealthy, exited)", Group: "containers"},
		Binding{Action: "containers.agents", Keys: []string{"a"}, Help: "pivot: this host's agents", Group: "containers"},
		Binding{Action: "containers.compute", Keys: []string{"c"}, Help: "pivot: this host in compute", Group: "containers"},
		Binding{Action: "containers.loki", Keys: []string{"L"}, Help: "pivot: this container's logs in Loki", Group: "containers"},
	)
}
