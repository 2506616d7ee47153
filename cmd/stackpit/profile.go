package main

import (
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
)

// startProfiler serves Go's profiles when STACKPIT_PPROF names a loopback
// address (a benchmark aid: the whole-program figures of issue 15 are
// profiled on the real binary). Anything but a loopback address is
// ignored: profiles show request URLs and cloud data.
func startProfiler() {
	addr := os.Getenv("STACKPIT_PPROF")
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !(host == "127.0.0.1" || host == "::1" || strings.EqualFold(host, "localhost")) {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() { _ = http.ListenAndServe(addr, mux) }()
}
