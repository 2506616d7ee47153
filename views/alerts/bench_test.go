package alerts

import (
	"fmt"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/alertmanager"
)

// BenchmarkApplyAndView regroups 5,000 alerts and renders a 120x40 frame
// (go test -bench ApplyAndView ./views/alerts/).
func BenchmarkApplyAndView(b *testing.B) {
	src := &fakeSource{}
	for i := range 5000 {
		src.alerts = append(src.alerts, alertmanager.Alert{Fingerprint: fmt.Sprintf("%016x", i),
			StartsAt: testNow.Add(-time.Duration(i) * time.Second), Instances: []string{"am1", "am2"},
			Labels: map[string]string{"alertname": fmt.Sprintf("Alert%d", i%40), "host": fmt.Sprintf("compute%03d", i%300),
				"severity": []string{"critical", "warning", "info"}[i%3]},
			Annotations: map[string]string{"summary": "something is wrong"},
			Status:      alertmanager.AlertStatus{State: "active"}})
	}
	p := New(testCtx(), src, Options{Author: "bench"})
	p.Update(run(p.Init()))
	b.ReportAllocs()
	for b.Loop() {
		p.SetFilter("severity=critical")
		p.SetFilter("")
		_ = p.View(120, 40)
	}
}
