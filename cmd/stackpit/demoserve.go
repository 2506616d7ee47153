package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
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
//	stackpit demo serve [--scale N] [--hosts N] [--fail-after D] --config-out FILE
func demoServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scale := fs.Int("scale", 300, "instances")
	hosts := fs.Int("hosts", 6, "compute hosts")
	failAfter := fs.Duration("fail-after", 45*time.Second, "when compute04 loses power (<0: never)")
	out := fs.String("config-out", "", "write a stackpit config file here (cloud \"demo\")")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c, err := demo.Start(demo.StartOptions{Story: demo.Options{Instances: *scale, Computes: *hosts, FailAfter: *failAfter}})
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
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	return 0
}
