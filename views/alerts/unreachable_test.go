package alerts

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackpit/stackpit/datasource/alertmanager"
)

// deadSource is fixtureSource until dead: then every instance is down, and
// the result's Sources say so, as the real client's do.
type deadSource struct {
	*fakeSource
	dead bool
}

func (d *deadSource) Alerts(ctx context.Context, f alertmanager.AlertFilter) (alertmanager.AlertsResult, error) {
	if !d.dead {
		return d.fakeSource.Alerts(ctx, f)
	}
	src := alertmanager.Sources{
		{Instance: "am1", Err: &alertmanager.TransportError{Instance: "am1", Err: errors.New("connection refused")}},
		{Instance: "am2", Err: &alertmanager.TransportError{Instance: "am2", Err: errors.New("connection refused")}},
	}
	return alertmanager.AlertsResult{Sources: src}, src.Err()
}

// Both Alertmanagers die after a good load: the rows stay, the error names
// each instance, and the header counts 0/2 answering, not the last "2/2".
func TestAllAlertmanagersDownSaysZeroOfTwo(t *testing.T) {
	src := &deadSource{fakeSource: fixtureSource(t)}
	p := loaded(t, src)
	if v := ansi.Strip(p.View(120, 20)); !strings.Contains(v, "2/2 alertmanagers") {
		t.Fatalf("first load should count 2/2:\n%s", v)
	}
	src.dead = true
	p.Update(run(p.Refresh()))
	v := ansi.Strip(p.View(120, 20))
	if strings.Contains(v, "2/2 alertmanagers") || !strings.Contains(v, "0/2 alertmanagers") {
		t.Errorf("header must count the instances that answered now:\n%s", v)
	}
	if st := p.Status(); st.Err == nil || !strings.Contains(st.Err.Error(), "am1 unreachable") || !strings.Contains(st.Err.Error(), "am2 unreachable") {
		t.Errorf("status err %v", st.Err)
	}
	if len(alertRows(p)) != 8 {
		t.Error("old rows dropped on error")
	}
}
