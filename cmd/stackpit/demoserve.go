package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/demo"
)

// demoServe runs only the simulated cloud, in its own process, and writes a
// stackpit config pointing at it: benchmarks measure the cockpit's own
// memory, and scripts can aim any number of cockpits at one demo cloud.
//
//	stackpit demo serve [--scale N] [--hosts N] [--fail-after D] [--quiet] --config-out FILE
func demoServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scale := fs.Int("scale", 300, "instances")
	hosts := fs.Int("hosts", 6, "compute hosts")
	failAfter := fs.Duration("fail-after", 45*time.Second, "when compute04 loses power (<0: never)")
	out := fs.String("config-out", "", "write a stackpit config file here (cloud \"demo\")")
	quiet := fs.Bool("quiet", false, "nothing the cockpit shows changes (no incident, no new log lines, flat metrics): idle-output benchmarks")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: *scale, Computes: *hosts, FailAfter: *failAfter, Quiet: *quiet}})
	if err != nil {
		fmt.Fprintln(stderr, "stackpit demo serve:", err)
		return 1
	}
	defer c.Close()
	cfg := c.Config()
	if *out != "" {
		file := config.File{Clouds: map[string]*config.Cloud{"demo": cfg}}
		b, err := yaml.Marshal(file)
		if err == nil {
			err = os.MkdirAll(filepath.Dir(*out), 0o700)
		}
		if err == nil {
			err = os.WriteFile(*out, b, 0o600)
		}
		if err != nil {
			fmt.Fprintln(stderr, "stackpit demo serve:", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "demo cloud ready: keystone %s (run: stackpit --config %s --cloud demo)\n", c.URLs["keystone"], *out)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1)
	start := time.Now()
	for s := range sig {
		writeTraffic(stdout, c, time.Since(start)) // SIGUSR1: a snapshot, the demo goes on
		if s != syscall.SIGUSR1 {
			break
		}
	}
	return 0
}

// writeTraffic reports what the cockpits asked of each backend so far
// (benchmarks send SIGUSR1 at two moments and subtract).
func writeTraffic(w io.Writer, c *demo.Cloud, ran time.Duration) {
	reqs := map[string]int{}
	paths := map[string]int{}
	for _, r := range c.Requests() {
		reqs[r.Service]++
		paths[r.Service+" "+r.Method+" "+r.Path]++
	}
	bytes, took := c.BytesWritten(), c.ServerTime()
	names := make([]string, 0, len(reqs))
	for k := range reqs {
		names = append(names, k)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "traffic over %.1f s:\n", ran.Seconds())
	for _, k := range names {
		fmt.Fprintf(w, "traffic %s requests=%d bytes=%d server_ms=%d\n", k, reqs[k], bytes[k], took[k].Milliseconds())
	}
	// Per path, so a benchmark's steady minute shows which reads it was
	// made of (subtract two snapshots).
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "path %s %d\n", k, paths[k])
	}
}
