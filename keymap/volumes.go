package keymap

// Volumes pane bindings (Cinder). Pivots are lowercase with the grammar's
// letters (i instances, h host, v agents and services, c containers, l
// logs); o opens the Ceph pane on the volumes pool, as in the images pane.
// Actions are uppercase: they change the cloud.
func init() {
	Register(
		Binding{Action: "volumes.stuck", Keys: []string{"f"}, Help: "toggle stuck and error volumes only", Group: "volumes"},
		Binding{Action: "volumes.instance", Keys: []string{"i"}, Help: "the server the volume is attached to", Group: "volumes", Target: "instances"},
		Binding{Action: "volumes.host", Keys: []string{"h"}, Help: "the backend host (its services: a controller)", Group: "volumes", Target: "host"},
		Binding{Action: "volumes.agents", Keys: []string{"v"}, Help: "the backend's cinder-volume service", Group: "volumes", Target: "agents"},
		Binding{Action: "volumes.containers", Keys: []string{"c"}, Help: "the backend host's cinder_volume container", Group: "volumes", Target: "containers"},
		Binding{Action: "volumes.logs", Keys: []string{"l"}, Help: "logs mentioning this volume ID", Group: "volumes", Target: "logs"},
		Binding{Action: "volumes.ceph", Keys: []string{"o"}, Help: "the Ceph pool behind the volumes (Ceph pane, pools)", Group: "volumes"},
		Binding{Action: "volumes.reset_status", Keys: []string{"S"}, Help: "reset status (admin; Cinder's record only)", Group: "volumes", Mutates: true},
		Binding{Action: "volumes.force_delete", Keys: []string{"D"}, Help: "force delete (typed confirmation)", Group: "volumes", Mutates: true, Destructive: true},
		Binding{Action: "volumes.detach", Keys: []string{"X"}, Help: "remove a stale attachment (attachments API)", Group: "volumes", Mutates: true, Destructive: true},
		Binding{Action: "volumes.retype", Keys: []string{"W"}, Help: "retype (migrates on demand)", Group: "volumes", Mutates: true},
		Binding{Action: "volumes.migrate", Keys: []string{"M"}, Help: "migrate to another backend host", Group: "volumes", Mutates: true},
	)
}
