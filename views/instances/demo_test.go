package instances

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/openstack"
	"github.com/stackpit/stackpit/demo"
	"github.com/stackpit/stackpit/keymap"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

type demoSource struct{ *openstack.Client }

func (s demoSource) Servers(ctx context.Context, since time.Time) ([]openstack.Server, error) {
	return s.Client.Servers(ctx)
}

// Against the simulated Nova: a live migration off a host that lost power
// is accepted (202) and fails in the conductor; the action must say so.
func TestDemoLiveMigrateFromDeadHostFails(t *testing.T) {
	c, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: 30, FailAfter: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for dead := false; !dead; {
		c.Story.Lock(func() { dead = !c.Story.Host("compute04").Powered })
		time.Sleep(5 * time.Millisecond)
	}
	auth, err := config.ResolveAuth("demo", "", c.Config())
	if err != nil {
		t.Fatal(err)
	}
	hc, err := httpclient.New(httpclient.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	oc, err := openstack.New(ctx, auth, hc)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := oc.Servers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var victim openstack.Server
	for _, s := range ss {
		if s.Host == "compute04" && strings.EqualFold(s.Status, "ACTIVE") {
			victim = s
			break
		}
	}
	if victim.ID == "" {
		t.Fatal("no ACTIVE server on compute04 in the demo")
	}
	p := New(pane.Context{Theme: themes.Default(true), Keys: keymap.Defaults(), Now: time.Now}, demoSource{oc})
	p.watchTune = ops.WatchTuning{Every: 50 * time.Millisecond, Window: 30 * time.Second}
	res, err := p.buildAction("live_migrate", victim, "").Run(ctx, nil)
	t.Logf("result %q, error: %v", res, err)
	if err == nil || !strings.Contains(err.Error(), "live-migration failed") || !strings.Contains(err.Error(), " error") {
		t.Fatalf("a live migration off dead compute04 reads as %q (err %v)", res, err)
	}
}
