package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/bmc"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/ops"
)

// The wired BMC client of a read-only session reads the demo BMCs' power and
// cannot fence: no reset reaches any server.
func TestEnvBMCReadOnlyAgainstDemo(t *testing.T) {
	dc, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 10, FailAfter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	ctx := context.Background()
	ro := &Env{CloudName: "demo", Cloud: dc.Config(), ReadOnly: true}
	b, err := ro.BMC()
	if err != nil {
		t.Fatal(err)
	}
	if s, err := b.PowerState(ctx, "compute03"); err != nil || s != bmc.On {
		t.Fatalf("read: %v %v", s, err)
	}
	if res := ops.Fence(ctx, b, "compute03", nil); res.Verified || !errors.Is(res.Err, httpclient.ErrReadOnly) {
		t.Fatalf("read-only fence: %+v", res)
	}
	if m := dc.Mutations(); len(m) != 0 {
		t.Fatalf("mutations: %+v", m)
	}

	rw := &Env{CloudName: "demo", Cloud: dc.Config()}
	b, _ = rw.BMC()
	res := ops.FenceOptions{Poll: 1}.Fence(ctx, b, "compute03", nil)
	if !res.Verified || res.State != bmc.Off {
		t.Fatalf("fence: %+v", res)
	}

	none := &Env{CloudName: "prod", Cloud: &config.Cloud{Name: "prod"}}
	if _, err := none.BMC(); err == nil || !strings.Contains(err.Error(), "bmc is not configured for cloud \"prod\"") {
		t.Fatalf("no bmc block: %v", err)
	}
}
