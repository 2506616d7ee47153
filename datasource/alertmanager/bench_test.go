package alertmanager

import (
	"fmt"
	"testing"
	"time"
)

func benchAlerts(n int) []Alert {
	out := make([]Alert, n)
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for i := range out {
		out[i] = Alert{Fingerprint: fmt.Sprintf("%016x", i), StartsAt: t0.Add(time.Duration(i) * time.Second), UpdatedAt: t0,
			Labels: map[string]string{"alertname": fmt.Sprintf("Alert%d", i%40), "host": fmt.Sprintf("compute%03d", i%300),
				"severity": []string{"critical", "warning", "info"}[i%3]},
			Status: AlertStatus{State: "active"}}
	}
	return out
}

// BenchmarkMergeHAPair de-duplicates two Alertmanagers' copies of 5,000
// alerts (go test -bench MergeHAPair ./datasource/alertmanager/).
func BenchmarkMergeHAPair(b *testing.B) {
	c := &Client{ams: []Instance{{Name: "am1"}, {Name: "am2"}}}
	a := benchAlerts(5000)
	lists := [][]Alert{a, a}
	ok := []bool{true, true}
	b.ReportAllocs()
	for b.Loop() {
		if got := mergeAlerts(c, lists, ok); len(got) != 5000 {
			b.Fatal(len(got))
		}
	}
}

// BenchmarkPreview matches a regex silence against 5,000 alerts, as the
// silence form does on every keystroke.
func BenchmarkPreview(b *testing.B) {
	as := benchAlerts(5000)
	ms, err := ParseMatchers(`host=~"compute0[0-4].*" severity!="info"`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, a := range as {
			if ms.Matches(a.Labels) {
				n++
			}
		}
		if n == 0 {
			b.Fatal("no match")
		}
	}
}
