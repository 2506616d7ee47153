package keymap

// Ceph pane bindings. enter (table.open) expands a health check's detail
// lines, or on an OSD/host row opens the host in the compute pane.
func init() {
	Register(
		Binding{Action: "ceph.next_section", Keys: []string{"s", "]"}, Help: "next section (Health/OSDs/Pools/PGs/Mons)", Group: "ceph"},
		Binding{Action: "ceph.prev_section", Keys: []string{"S", "["}, Help: "previous section", Group: "ceph"},
		Binding{Action: "ceph.expand", Keys: []string{"e"}, Help: "expand/collapse every check's detail lines", Group: "ceph"},
		Binding{Action: "ceph.compute", Keys: []string{"c"}, Help: "this host in the compute pane", Group: "ceph"},
		Binding{Action: "ceph.containers", Keys: []string{"C"}, Help: "containers on this host", Group: "ceph"},
		Binding{Action: "ceph.logs", Keys: []string{"L"}, Help: "logs of this host", Group: "ceph"},
		Binding{Action: "ceph.noout", Keys: []string{"n"}, Help: "set/unset noout cluster-wide", Group: "ceph", Mutates: true},
		Binding{Action: "ceph.osd_noout", Keys: []string{"N"}, Help: "set/unset noout on this OSD", Group: "ceph", Mutates: true},
		Binding{Action: "ceph.out", Keys: []string{"o"}, Help: "mark this OSD out (moves its data)", Group: "ceph", Mutates: true, Destructive: true},
		Binding{Action: "ceph.in", Keys: []string{"i"}, Help: "mark this OSD in", Group: "ceph", Mutates: true},
	)
}
