package keymap

// Ceph pane bindings. enter (table.open) expands a health check's detail
// lines, or on an OSD/host row opens the host in the compute pane.
func init() {
	Register(
		Binding{Action: "ceph.next_section", Keys: []string{"]"}, Help: "next section (Health/OSDs/Pools/PGs/Mons)", Group: "ceph", Kind: Nav},
		Binding{Action: "ceph.prev_section", Keys: []string{"["}, Help: "previous section", Group: "ceph", Kind: Nav},
		Binding{Action: "ceph.expand", Keys: []string{"e"}, Help: "expand/collapse every check's detail lines", Group: "ceph"},
		Binding{Action: "ceph.compute", Keys: []string{"h"}, Help: "this host in the compute pane", Group: "ceph", Target: "host"},
		Binding{Action: "ceph.containers", Keys: []string{"c"}, Help: "containers on this host", Group: "ceph", Target: "containers"},
		Binding{Action: "ceph.logs", Keys: []string{"l"}, Help: "logs of this host", Group: "ceph", Target: "logs"},
		Binding{Action: "ceph.noout", Keys: []string{"Z"}, Help: "set/unset noout cluster-wide (freeze rebalancing)", Group: "ceph", Mutates: true},
		Binding{Action: "ceph.osd_noout", Keys: []string{"K"}, Help: "set/unset noout on this OSD (keep it in)", Group: "ceph", Mutates: true},
		Binding{Action: "ceph.out", Keys: []string{"O"}, Help: "mark this OSD out (moves its data)", Group: "ceph", Mutates: true, Destructive: true},
		Binding{Action: "ceph.in", Keys: []string{"I"}, Help: "mark this OSD in", Group: "ceph", Mutates: true},
	)
}
