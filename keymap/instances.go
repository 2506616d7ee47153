package keymap

// Instances pane bindings. Table keys (j/k, > < ~, enter = detail, y = copy
// ID) come from the "table" group.
func init() {
	Register(
		Binding{Action: "instances.faults", Keys: []string{"f"}, Help: "toggle faults only (ERROR, unknown power, stuck task)", Group: "instances"},
		Binding{Action: "instances.host", Keys: []string{"h"}, Help: "jump to the instance's compute host", Group: "instances", Target: "host"},
		Binding{Action: "instances.logs", Keys: []string{"l"}, Help: "logs mentioning this instance (all services)", Group: "instances", Target: "logs"},
		Binding{Action: "instances.back", Keys: []string{"backspace"}, Help: "close detail view", Group: "instances", Kind: Nav},
		Binding{Action: "instances.reboot", Keys: []string{"B"}, Help: "reboot (soft)", Group: "instances", Mutates: true},
		Binding{Action: "instances.reboot_hard", Keys: []string{"R"}, Help: "reboot (hard)", Group: "instances", Mutates: true, Destructive: true},
		Binding{Action: "instances.start", Keys: []string{"U"}, Help: "start (up)", Group: "instances", Mutates: true},
		Binding{Action: "instances.stop", Keys: []string{"S"}, Help: "stop", Group: "instances", Mutates: true, Destructive: true},
		Binding{Action: "instances.live_migrate", Keys: []string{"V"}, Help: "live-migrate, moVe (target host optional)", Group: "instances", Mutates: true},
		Binding{Action: "instances.migrate", Keys: []string{"M"}, Help: "cold migrate (then confirm resize)", Group: "instances", Mutates: true, Destructive: true},
		Binding{Action: "instances.confirm_resize", Keys: []string{"Y"}, Help: "confirm resize / migration (yes)", Group: "instances", Mutates: true},
		Binding{Action: "instances.evacuate", Keys: []string{"E"}, Help: "evacuate (source host must be down)", Group: "instances", Mutates: true, Destructive: true},
		Binding{Action: "instances.reset_state", Keys: []string{"X"}, Help: "reset state (admin)", Group: "instances", Mutates: true, Destructive: true},
	)
}

// Instance detail bindings: looked up before the instances group while the
// detail is open, so r follows a request there (the action history's
// request ID to its logs, the r pivot of every pane) instead of rebooting.
func init() {
	Register(
		Binding{Action: "instance_detail.request", Keys: []string{"r"}, Help: "logs of the selected action's request (req-…)", Group: "instance_detail", Target: "request"},
		Binding{Action: "instance_detail.next_action", Keys: []string{"]"}, Help: "select the next (older) action", Group: "instance_detail"},
		Binding{Action: "instance_detail.prev_action", Keys: []string{"["}, Help: "select the previous (newer) action", Group: "instance_detail"},
	)
}
