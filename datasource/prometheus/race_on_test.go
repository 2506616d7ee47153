//go:build race

package prometheus

// raceOn: the race detector changes allocation and is slow; heap figures
// are measured without it.
const raceOn = true
