//go:build race

package images

// raceOn: the race detector slows every frame several times; frame times
// are measured without it.
const raceOn = true
