//go:build !race

package openstack

const raceOn = false
