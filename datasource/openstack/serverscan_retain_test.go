package openstack

import (
	"fmt"
	"strings"
	"testing"
)

// novaPage is a page of n servers as Nova's detail list gives them (every
// field the cockpit reads, and launched_at, which it does not).
func novaPage(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"servers": [`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id": "%08x-1111-4222-8333-444455556666", "name": "web-%05d", "status": "ACTIVE", "tenant_id": "p1", "user_id": "u1",
  "metadata": {}, "image": {"id": "img-1"}, "flavor": {"vcpus": 2, "ram": 4096, "disk": 20, "original_name": "m1.medium"},
  "created": "2026-01-02T03:04:05Z", "updated": "2026-01-03T03:04:05Z",
  "addresses": {"net-a": [{"addr": "10.1.%d.%d"}]},
  "OS-EXT-AZ:availability_zone": "nova", "key_name": null, "OS-SRV-USG:launched_at": "2026-01-02T03:04:08.000000",
  "OS-EXT-SRV-ATTR:host": "compute%02d", "OS-EXT-SRV-ATTR:hypervisor_hostname": "compute%02d.example",
  "OS-EXT-STS:task_state": null, "OS-EXT-STS:vm_state": "active", "OS-EXT-STS:power_state": 1,
  "os-extended-volumes:volumes_attached": [], "locked": false, "security_groups": [{"name": "default"}]}`,
			i, i, i/250, i%250, i%40, i%40)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// scannedServersRetained scans pages of 1,000 servers and returns the
// heap the list keeps, in bytes per server.
func scannedServersRetained(tb testing.TB, pages int) float64 {
	tb.Helper()
	page := novaPage(1000)
	kept := heapKept(func() any {
		kept := make([][]Server, 0, pages)
		for range pages {
			ss, _, ok := scanServerPage(page, 1000)
			if !ok {
				tb.Fatal("scan gave up on a valid page")
			}
			kept = append(kept, ss)
		}
		return kept
	})
	return float64(kept) / float64(pages*1000)
}

// BenchmarkServerPagesRetained: the heap 50 scanned pages of 1,000
// servers keep (retained-B/server): the instances pane's entries point
// into these pages, so a 50k cloud keeps them all.
func BenchmarkServerPagesRetained(b *testing.B) {
	var sum float64
	for b.Loop() {
		sum += scannedServersRetained(b, 50)
	}
	b.ReportMetric(sum/float64(b.N), "retained-B/server")
}
