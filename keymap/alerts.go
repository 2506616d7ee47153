package keymap

// Alerts pane bindings. enter (table.open) jumps to the alert's host in the
// compute pane; y (table.copy) copies the fingerprint.
func init() {
	Register(
		Binding{Action: "alerts.silence", Keys: []string{"S"}, Help: "silence alert / group (form with preview)", Group: "alerts", Mutates: true},
		Binding{Action: "alerts.group_by", Keys: []string{"b"}, Help: "group by alertname / host / severity / none", Group: "alerts"},
		Binding{Action: "alerts.suppressed", Keys: []string{"x"}, Help: "show/hide silenced and inhibited alerts", Group: "alerts"},
		Binding{Action: "alerts.host", Keys: []string{"h"}, Help: "the alert's host (compute pane)", Group: "alerts", Target: "host"},
		Binding{Action: "alerts.instances", Keys: []string{"i"}, Help: "instances on the alert's host", Group: "alerts", Target: "instances"},
		Binding{Action: "alerts.containers", Keys: []string{"c"}, Help: "containers on the alert's host", Group: "alerts", Target: "containers"},
		Binding{Action: "alerts.logs", Keys: []string{"l"}, Help: "logs of the alert's host", Group: "alerts", Target: "logs"},
		Binding{Action: "alerts.panels", Keys: []string{"m"}, Help: "metric panels for the alert's host", Group: "alerts", Target: "metrics"},
		Binding{Action: "alerts.silences", Keys: []string{"s"}, Help: "silences (those silencing this alert)", Group: "alerts", Target: "silences"},
		Binding{Action: "alerts.agents", Keys: []string{"v"}, Help: "agents and services on the alert's host", Group: "alerts", Target: "agents"},
		Binding{Action: "alerts.runbook", Keys: []string{"u"}, Help: "copy runbook URL", Group: "alerts"},
	)
}
