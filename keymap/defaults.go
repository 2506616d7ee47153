package keymap

// Global and shared bindings. Pane-specific bindings live in one file per
// pane in this package.
func init() {
	Register(
		Binding{Action: "global.quit", Keys: []string{"q", "ctrl+c"}, Help: "quit", Group: "global", Kind: Nav},
		Binding{Action: "global.help", Keys: []string{"?"}, Help: "help", Group: "global"},
		Binding{Action: "global.command", Keys: []string{":"}, Help: "command line", Group: "global"},
		Binding{Action: "global.filter", Keys: []string{"/"}, Help: "filter", Group: "global"},
		Binding{Action: "global.back", Keys: []string{"esc"}, Help: "up the drill-down (restores filter, cursor, sort) / clear filter", Group: "global", Kind: Nav},
		Binding{Action: "global.redraw", Keys: []string{"ctrl+l"}, Help: "redraw screen", Group: "global"},
		Binding{Action: "global.refresh", Keys: []string{"ctrl+r"}, Help: "refresh pane now", Group: "global"},
		Binding{Action: "global.next_pane", Keys: []string{"tab"}, Help: "next pane", Group: "global", Kind: Nav},
		Binding{Action: "global.prev_pane", Keys: []string{"shift+tab"}, Help: "previous pane", Group: "global", Kind: Nav},
		Binding{Action: "global.pane1", Keys: []string{"1"}, Help: "pane 1", Group: "global", Kind: Nav},
		Binding{Action: "global.pane2", Keys: []string{"2"}, Help: "pane 2", Group: "global", Kind: Nav},
		Binding{Action: "global.pane3", Keys: []string{"3"}, Help: "pane 3", Group: "global", Kind: Nav},
		Binding{Action: "global.pane4", Keys: []string{"4"}, Help: "pane 4", Group: "global", Kind: Nav},
		Binding{Action: "global.pane5", Keys: []string{"5"}, Help: "pane 5", Group: "global", Kind: Nav},
		Binding{Action: "global.pane6", Keys: []string{"6"}, Help: "pane 6", Group: "global", Kind: Nav},
		Binding{Action: "global.pane7", Keys: []string{"7"}, Help: "pane 7", Group: "global", Kind: Nav},
		Binding{Action: "global.pane8", Keys: []string{"8"}, Help: "pane 8", Group: "global", Kind: Nav},
		Binding{Action: "global.pane9", Keys: []string{"9"}, Help: "pane 9", Group: "global", Kind: Nav},

		Binding{Action: "table.down", Keys: []string{"j", "down"}, Help: "down", Group: "table", Kind: Nav},
		Binding{Action: "table.up", Keys: []string{"k", "up"}, Help: "up", Group: "table", Kind: Nav},
		Binding{Action: "table.page_down", Keys: []string{"ctrl+f", "pgdown"}, Help: "page down", Group: "table", Kind: Nav},
		Binding{Action: "table.page_up", Keys: []string{"ctrl+u", "pgup"}, Help: "page up", Group: "table", Kind: Nav},
		Binding{Action: "table.top", Keys: []string{"g", "home"}, Help: "top", Group: "table", Kind: Nav},
		Binding{Action: "table.bottom", Keys: []string{"G", "end"}, Help: "bottom", Group: "table", Kind: Nav},
		Binding{Action: "table.sort_next", Keys: []string{">"}, Help: "sort by the next column (header ▲/▼)", Group: "table"},
		Binding{Action: "table.sort_prev", Keys: []string{"<"}, Help: "sort by the previous column", Group: "table"},
		Binding{Action: "table.sort_reverse", Keys: []string{"~"}, Help: "reverse the sort", Group: "table"},
		Binding{Action: "table.open", Keys: []string{"enter"}, Help: "open / pivot", Group: "table", Kind: Nav},
		Binding{Action: "table.copy", Keys: []string{"y"}, Help: "copy ID (OSC 52)", Group: "table"},
	)
}
