package main

import (
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	rpprof "runtime/pprof"
	"runtime/trace"
	"strings"
	"time"
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

// startTrace writes an execution trace of the first startTraceFor to the
// file STACKPIT_TRACE names (a benchmark aid, like STACKPIT_PPROF: a trace
// asked over HTTP starts only once the program listens, after the start
// it should show).
func startTrace() {
	path := os.Getenv("STACKPIT_TRACE")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		return
	}
	if trace.Start(f) != nil {
		f.Close()
		return
	}
	// A CPU profile beside it puts stack samples in the trace (and in
	// path.cpu).
	cpu, err := os.Create(path + ".cpu")
	if err == nil && rpprof.StartCPUProfile(cpu) != nil {
		cpu.Close()
		cpu = nil
	}
	time.AfterFunc(startTraceFor, func() {
		trace.Stop()
		f.Close()
		if cpu != nil {
			rpprof.StopCPUProfile()
			cpu.Close()
		}
	})
}

const startTraceFor = 5 * time.Second
