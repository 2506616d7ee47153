package keymap

// Volumes pane bindings (Cinder). Pivots are lowercase and the same
// letters as elsewhere (i instances, h host, c containers, l logs); p opens
// the Ceph pane on the volumes pool. Actions are uppercase: they change the
// cloud.
func init() {
	Register(
		Binding{Action: "volumes.stuck", Keys: []string{"f"}, Help: "toggle stuck and error volumes only", Group: "volumes"},
		Binding{Action: "volumes.instance", Keys: []string{"i"}, Help: "the server the volume is attached to", Group: "volumes"},
		Binding{Action: "volumes.host", Keys: []string{"h"}, Help: "the backend's cinder-volume service (agents)", Group: "volumes"},
		Binding{Action: "volumes.containers", Keys: []string{"c"}, Help: "the backend host's cinder_volume container", Group: "volumes"},
		Binding{Action: "volumes.logs", Keys: []string{"l"}, Help: "logs mentioning this volume ID", Group: "volumes"},
		Binding{Action: "volumes.ceph", Keys: []string{"p"}, Help: "the Ceph pool behind the volumes (Ceph pane, pools)", Group: "volumes"},
		Binding{Action: "volumes.reset_status", Keys: []string{"S"}, Help: "reset status (admin; Cinder's record only)", Group: "volumes", Mutates: true},
		Binding{Action: "volumes.force_delete", Keys: []string{"D"}, Help: "force delete (typed confirmation)", Group: "volumes", Mutates: true, Destructive: true},
		Binding{Action: "volumes.detach", Keys: []string{"X"}, Help: "remove a stale attachment (attachments API)", Group: "volumes", Mutates: true, Destructive: true},
		Binding{Action: "volumes.retype", Keys: []string{"T"}, Help: "retype (migrates on demand)", Group: "volumes", Mutates: true},
		Binding{Action: "volumes.migrate", Keys: []string{"M"}, Help: "migrate to another backend host", Group: "volumes", Mutates: true},
	)
}
