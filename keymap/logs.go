package keymap

// Logs pane bindings. Scrolling uses the table group (j/k, pgup/pgdown,
// g/G: G resumes following); enter pivots on the line's request ID and y
// copies the line.
func init() {
	Register(
		Binding{Action: "logs.query", Keys: []string{"e"}, Help: "edit LogQL (tab completes, up/down history)", Group: "logs"},
		Binding{Action: "logs.follow", Keys: []string{"f"}, Help: "follow / pause", Group: "logs"},
		Binding{Action: "logs.pause", Keys: []string{"p", "space"}, Help: "pause / resume", Group: "logs"},
		Binding{Action: "logs.wrap", Keys: []string{"w"}, Help: "wrap long lines", Group: "logs"},
		Binding{Action: "logs.timestamps", Keys: []string{"t"}, Help: "timestamps on/off", Group: "logs"},
		Binding{Action: "logs.labels", Keys: []string{"L"}, Help: "labels on/off", Group: "logs"},
		Binding{Action: "logs.show_all", Keys: []string{"&"}, Help: "with a / filter: only matching lines, or all lines with matches highlighted (as less's &)", Group: "logs"},
		Binding{Action: "logs.next_match", Keys: []string{"n"}, Help: "next search match", Group: "logs", Kind: Nav},
		Binding{Action: "logs.prev_match", Keys: []string{"N"}, Help: "previous search match", Group: "logs", Kind: Nav},
		Binding{Action: "logs.pivot_request", Keys: []string{"r"}, Help: "follow this line's request ID across every service", Group: "logs", Target: "request"},
		Binding{Action: "logs.pivot_instance", Keys: []string{"i"}, Help: "open this line's instance", Group: "logs", Target: "instances"},
		Binding{Action: "logs.host", Keys: []string{"h"}, Help: "this line's host in the compute pane", Group: "logs", Target: "host"},
		Binding{Action: "logs.containers", Keys: []string{"c"}, Help: "this line's container in the containers pane", Group: "logs", Target: "containers"},
		Binding{Action: "logs.preset_host", Keys: []string{"l"}, Help: "logs of this line's host", Group: "logs", Target: "logs"},
		Binding{Action: "logs.preset_container", Keys: []string{"o"}, Help: "only this line's container", Group: "logs"},
		Binding{Action: "logs.save", Keys: []string{"ctrl+s"}, Help: "save the buffer to a file", Group: "logs"},
	)
}
