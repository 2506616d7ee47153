//go:build !race

package prometheus

const raceOn = false
