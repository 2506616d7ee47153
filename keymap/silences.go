package keymap

// Silences pane bindings. enter (table.open) shows the alerts a silence
// matches; y (table.copy) copies its ID.
func init() {
	Register(
		Binding{Action: "silences.new", Keys: []string{"S"}, Help: "new silence (maintenance window)", Group: "silences", Mutates: true},
		Binding{Action: "silences.expire", Keys: []string{"X"}, Help: "expire silence (asks to confirm)", Group: "silences", Mutates: true},
		Binding{Action: "silences.expired", Keys: []string{"e"}, Help: "show/hide expired silences", Group: "silences"},
		Binding{Action: "silences.alerts", Keys: []string{"a"}, Help: "alerts this silence matches", Group: "silences", Target: "alerts"},
	)
}
