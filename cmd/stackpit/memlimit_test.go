package main

import (
	"runtime/debug"
	"testing"
)

// The cockpit sets its GC percentage, except with the demo cloud in the
// same process or when GOGC or GOMEMLIMIT says otherwise.
func TestCockpitGCPercent(t *testing.T) {
	orig := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(orig) })
	for _, tc := range []struct {
		name, gogc, limit string
		demo              bool
		expect            int
	}{
		{"cockpit", "", "", false, gcPercent},
		{"in-process demo", "", "", true, 100},
		{"GOGC set", "100", "", false, 100},
		{"GOMEMLIMIT set", "", "off", false, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOGC", tc.gogc)
			t.Setenv("GOMEMLIMIT", tc.limit)
			debug.SetGCPercent(100)
			setMemoryLimit(tc.demo)
			if got := debug.SetGCPercent(100); got != tc.expect {
				t.Errorf("GC percent %d, want %d", got, tc.expect)
			}
		})
	}
}
