package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// The cockpit sets its soft memory limit, except with the demo cloud in
// the same process or when GOMEMLIMIT says otherwise.
func TestSoftMemoryLimit(t *testing.T) {
	orig := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(orig) })
	for _, tc := range []struct {
		name   string
		demo   bool
		env    string
		expect int64
	}{
		{"cockpit", false, "", softMemoryLimit},
		{"in-process demo", true, "", math.MaxInt64},
		{"GOMEMLIMIT set", false, "off", math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOMEMLIMIT", tc.env)
			debug.SetMemoryLimit(math.MaxInt64)
			setMemoryLimit(tc.demo)
			if got := debug.SetMemoryLimit(-1); got != tc.expect {
				t.Errorf("memory limit %d, want %d", got, tc.expect)
			}
		})
	}
}
