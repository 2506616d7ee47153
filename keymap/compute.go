package keymap

// Compute pane bindings. enter (table.open) shows the host's instances.
func init() {
	Register(
		Binding{Action: "compute.instances", Keys: []string{"i"}, Help: "instances on this host", Group: "compute", Target: "instances"},
		Binding{Action: "compute.containers", Keys: []string{"c"}, Help: "containers on this host", Group: "compute", Target: "containers"},
		Binding{Action: "compute.logs", Keys: []string{"l"}, Help: "logs of this host", Group: "compute", Target: "logs"},
		Binding{Action: "compute.panels", Keys: []string{"m"}, Help: "metric panels for this host", Group: "compute", Target: "metrics"},
		Binding{Action: "compute.alerts", Keys: []string{"a"}, Help: "alerts for this host", Group: "compute", Target: "alerts"},
		Binding{Action: "compute.agents", Keys: []string{"v"}, Help: "agents and services on this host", Group: "compute", Target: "agents"},
		Binding{Action: "compute.disable", Keys: []string{"D"}, Help: "disable compute service (with reason)", Group: "compute", Mutates: true},
		Binding{Action: "compute.enable", Keys: []string{"A"}, Help: "enable compute service (allow scheduling)", Group: "compute", Mutates: true},
		Binding{Action: "compute.force_down", Keys: []string{"F"}, Help: "force service down (host fenced)", Group: "compute", Mutates: true, Destructive: true},
		Binding{Action: "compute.force_up", Keys: []string{"U"}, Help: "unset forced down", Group: "compute", Mutates: true},
		Binding{Action: "compute.evacuate", Keys: []string{"E"}, Help: "evacuate every instance of this (fenced, down) host", Group: "compute", Mutates: true, Destructive: true},
		Binding{Action: "compute.fence", Keys: []string{"O"}, Help: "fence: power off through the BMC, read back until off", Group: "compute", Mutates: true, Destructive: true},
		Binding{Action: "compute.recover", Keys: []string{"R"}, Help: "guided recovery of a down host (fence, power on or evacuate)", Group: "compute", Mutates: true, Destructive: true},
		Binding{Action: "compute.drain", Keys: []string{"M"}, Help: "drain: disable + live-migrate every instance away", Group: "compute", Mutates: true, Destructive: true},
	)
}
