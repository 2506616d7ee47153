package panels

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkDashboardRender renders the 12-panel default dashboard at
// 200x50 with recorded data (budget: <= 5 ms per frame).
func BenchmarkDashboardRender(b *testing.B) {
	p, _ := newTestPane(b, sampleRoutes())
	_ = p.View(200, 50)
	run(p, p.Init())
	if st := p.Status(); st.Err != nil {
		b.Fatal(st.Err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = p.View(200, 50)
	}
}

// BenchmarkManySeriesRender: a query answering 1,000 series (cut to the
// top N when loaded) rendered as a chart.
func BenchmarkManySeriesRender(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"status":"success","data":{"resultType":"matrix","result":[`)
	for i := 0; i < 1000; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"metric":{"pod":"p%04d"},"values":[`, i)
		for k := 0; k < 120; k++ {
			if k > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `[%d,"%d"]`, 1795337844+k*30, (i*k)%97)
		}
		sb.WriteString(`]}`)
	}
	sb.WriteString(`]}}`)
	d, err := ParseDashboard([]byte("name: t\npanels:\n  - {title: Many, type: timeseries, query: many, w: 12, h: 10}\n"), "t.yaml")
	if err != nil {
		b.Fatal(err)
	}
	p, _ := newTestPane(b, map[string]string{"many": sb.String()})
	p.dashes = []*Dashboard{d}
	p.selectDashboard(0)
	_ = p.View(200, 50)
	run(p, p.Init())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = p.View(200, 50)
	}
}
