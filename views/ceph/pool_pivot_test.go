package ceph

import "testing"

// pool:NAME (the images and volumes panes' pivot) opens the pools section
// filtered to that pool.
func TestPivotOnPoolOpensPools(t *testing.T) {
	p := loaded(t, fixtureCluster(t, "03_warn_osd_down"), nil)
	p.section = SecHealth
	p.Pivot("pool:images")
	if p.section != SecPools {
		t.Fatalf("section %v, want Pools", p.section)
	}
	rows := p.pools.Rows()
	if len(rows) == 0 {
		t.Fatal("no pool row for images")
	}
	for _, r := range rows {
		if r.Cells[0].Text != "images" {
			t.Errorf("row %q shown under pool:images", r.Cells[0].Text)
		}
	}
}
