package keymap

// Alerts pane bindings. enter (table.open) jumps to the alert's host in the
// compute pane; y (table.copy) copies the fingerprint.
func init() {
	Register(
		Binding{Action: "alerts.silence", Keys: []string{"s"}, Help: "silence alert / group (form with preview)", Group: "alerts", Mutates: true},
		Binding{Action: "alerts.group_by", Keys: []string{"b"}, Help: "group by alertname / host / severity / none", Group: "alerts"},
		Binding{Action: "alerts.suppressed", Keys: []string{"i"}, Help: "show/hide silenced and inhibited alerts", Group: "alerts"},
		Binding{Action: "alerts.host", Keys: []string{"h"}, Help: "the alert's host (compute pane)", Group: "alerts"},
		Binding{Action: "alerts.panels", Keys: []string{"P"}, Help: "metric panels for the alert's host", Group: "alerts"},
		Binding{Action: "alerts.logs", Keys: []string{"L"}, Help: "logs of the alert's host", Group: "alerts"},
		Binding{Action: "alerts.silences", Keys: []string{"S"}, Help: "silences (those silencing this alert)", Group: "alerts"},
		Binding{Action: "alerts.runbook", Keys: []string{"u"}, Help: "copy runbook URL", Group: "alerts"},
	)
}
