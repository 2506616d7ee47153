// Command lokipush pushes fixture log lines into a Loki with the protobuf
// push API (snappy block encoding), for testenv/loki.sh and benchmarks.
//
//	go run ./datasource/loki/lokipush -url http://127.0.0.1:13100
//	go run ./datasource/loki/lokipush -url ... -rate 10000 -for 30s -job bench
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/datasource/loki"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:13100", "Loki base URL")
	job := flag.String("job", "fixture", "job label")
	rate := flag.Int("rate", 0, "lines per second to stream (0: push the fixture set once)")
	dur := flag.Duration("for", 30*time.Second, "how long to stream at -rate")
	flag.Parse()
	hc, err := httpclient.New(httpclient.Options{})
	if err != nil {
		fail(err)
	}
	c, err := loki.New(loki.Options{URL: *url, HTTP: hc})
	if err != nil {
		fail(err)
	}
	ctx := context.Background()
	if *rate <= 0 {
		if err := c.Push(ctx, Fixture(*job, time.Now().Add(-10*time.Minute))); err != nil {
			fail(err)
		}
		fmt.Fprintln(os.Stderr, "lokipush: fixture pushed")
		return
	}
	// Stream numbered lines: "seq 000000123" so a reader can check for gaps.
	start := time.Now()
	seq := 0
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for time.Since(start) < *dur {
		<-tick.C
		want := int(time.Since(start).Seconds() * float64(*rate))
		var es []loki.PushEntry
		now := time.Now()
		for ; seq < want; seq++ {
			es = append(es, loki.PushEntry{Time: now.Add(time.Duration(len(es)) * time.Microsecond), Line: fmt.Sprintf("%s INFO bench seq %09d", now.UTC().Format("2006-01-02 15:04:05.000"), seq)})
		}
		if err := c.Push(ctx, []loki.PushStream{{Labels: map[string]string{"job": *job, "host": "compute01", "container": "bench"}, Entries: es}}); err != nil {
			fail(err)
		}
	}
	fmt.Fprintf(os.Stderr, "lokipush: %d lines in %s\n", seq, time.Since(start).Round(time.Millisecond))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "lokipush:", err)
	os.Exit(1)
}

// Fixture is a small realistic set: oslo.log lines from a few Kolla
// containers with a request-ID trail across services.
func Fixture(job string, base time.Time) []loki.PushStream {
	const req = "req-6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e"
	const inst = "0b6f7c3a-9d2e-4f1a-8b7c-6d5e4f3a2b1c"
	type l struct {
		host, ct, level, msg string
	}
	lines := []l{
		{"control01", "nova_api", "INFO", "nova.api.openstack.requestlog [" + req + " admin admin - - -] 10.0.0.5 \"POST /v2.1/servers/" + inst + "/action\" status: 202 len: 0 microversion: 2.79 time: 0.151"},
		{"control02", "nova_conductor", "INFO", "nova.conductor.manager [" + req + " admin admin - - -] [instance: " + inst + "] evacuate requested (compute04 -> compute02)"},
		{"control03", "nova_scheduler", "INFO", "nova.scheduler.manager [" + req + " admin admin - - -] [instance: " + inst + "] Selected host compute02 for evacuate"},
		{"compute02", "nova_compute", "INFO", "nova.compute.manager [" + req + " admin admin - - -] [instance: " + inst + "] Rebuilding instance"},
		{"control01", "nova_scheduler", "WARNING", "nova.servicegroup.drivers.db [-] Seems service nova-compute on host compute04 is down."},
		{"control02", "nova_conductor", "ERROR", "nova.conductor.manager [-] Lost connection to nova-compute on compute04 (10.0.1.24): MessagingTimeout"},
		{"compute01", "nova_compute", "INFO", "nova.compute.resource_tracker [-] Final resource view: name=compute01"},
		{"compute01", "nova_compute", "INFO", "escape \x1b]52;c;ZWNobyBoaQ==\a\x1b[2Jevil in a log line"},
	}
	var out []loki.PushStream
	for i, x := range lines {
		ts := base.Add(time.Duration(i) * time.Second)
		out = append(out, loki.PushStream{
			Labels: map[string]string{"job": job, "host": x.host, "container": x.ct},
			Entries: []loki.PushEntry{{Time: ts, Line: fmt.Sprintf("%s 7 %s %s", ts.UTC().Format("2006-01-02 15:04:05.000"), x.level, x.msg),
				Metadata: map[string]string{"fixture": "1"}}},
		})
	}
	return out
}
