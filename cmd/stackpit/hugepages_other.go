//go:build !linux

package main

// hugeRoom: transparent huge pages are Linux's.
type hugeRoom struct{}

func hugePagesForFirstLoad() *hugeRoom { return &hugeRoom{} }

func (r *hugeRoom) done() {}
