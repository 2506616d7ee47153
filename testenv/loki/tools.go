//go:build tools

// Package tools pins the Loki binary's main package so go.sum covers it.
package tools

import (
	_ "github.com/grafana/loki/v3/cmd/logcli"
	_ "github.com/grafana/loki/v3/cmd/loki"
)
