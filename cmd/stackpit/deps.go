package main

// Modules the panes' datasources use, pinned here while the panes are being
// written so that go.mod holds them and concurrent work does not race on it.
import (
	_ "charm.land/bubbles/v2/textinput"
	_ "github.com/coder/websocket"
	_ "github.com/golang/snappy"
	_ "github.com/grafana/loki/pkg/push"
	_ "github.com/prometheus/client_golang/api"
	_ "github.com/prometheus/client_golang/api/prometheus/v1"
	_ "github.com/prometheus/common/model"
)
