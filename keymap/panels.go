package keymap

// PromQL panels pane. Nothing here changes the cloud.
func init() {
	Register(
		Binding{Action: "panels.query", Keys: []string{"e"}, Help: "PromQL prompt (ad-hoc query)", Group: "panels"},
		Binding{Action: "panels.mode", Keys: []string{"T"}, Help: "query result as table / chart", Group: "panels"},
		Binding{Action: "panels.zoom", Keys: []string{"z"}, Help: "zoom the focused panel", Group: "panels"},
		Binding{Action: "panels.range", Keys: []string{"t"}, Help: "time range 15m/1h/6h/24h", Group: "panels"},
		Binding{Action: "panels.back", Keys: []string{"["}, Help: "pan back in time", Group: "panels"},
		Binding{Action: "panels.forward", Keys: []string{"]"}, Help: "pan forward in time", Group: "panels"},
		Binding{Action: "panels.now", Keys: []string{"n"}, Help: "back to now (live)", Group: "panels"},
		Binding{Action: "panels.pause", Keys: []string{"p", "space"}, Help: "pause / resume auto-refresh", Group: "panels"},
		Binding{Action: "panels.dashboard", Keys: []string{"d"}, Help: "next dashboard", Group: "panels"},
	)
}
