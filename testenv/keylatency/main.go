// Command keylatency measures key to screen on a program running in tmux:
// it attaches as a tmux control-mode client, sends a key, and times the
// program's output for it as tmux receives it (the %output notifications),
// to the last byte of the frame (output stops for -quiet). A poll of
// capture-pane spawns a tmux client per look: on this 2-core machine that
// alone cost 45 ms quiet and 70-150 ms loaded, more than the budgets it
// was meant to check (issue 15: p99 <= 50 ms).
//
//	keylatency -S SOCKET -t TARGET [-n 15] [-after KEY] KEY...
//
// Prints one line per key press: milliseconds to the frame's last byte,
// "timeout" when nothing came within -max. Keys are tmux key names, sent
// with send-keys.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/stackpit/stackpit/testenv/tmuxcontrol"
)

func main() {
	sock := flag.String("S", "", "tmux socket")
	target := flag.String("t", "", "tmux target pane")
	n := flag.Int("n", 15, "presses")
	after := flag.String("after", "", "a key sent after each press (not measured), e.g. Escape to close what the key opened")
	quiet := flag.Duration("quiet", 15*time.Millisecond, "output pause that ends a frame")
	maxWait := flag.Duration("max", 3*time.Second, "give up on a press after this long")
	flag.Parse()
	keys := flag.Args()
	if *sock == "" || *target == "" || len(keys) == 0 {
		fmt.Fprintln(os.Stderr, "usage: keylatency -S SOCKET -t TARGET [-n N] [-after KEY] KEY...")
		os.Exit(2)
	}
	tc, err := tmuxcontrol.Attach(*sock, *target)
	if err != nil {
		fail(err)
	}
	defer tc.Close()
	in := tc.In
	outputs := make(chan time.Time, 4096)
	go func() {
		for {
			line, err := tc.Out.ReadString('\n')
			if tc.IsOutput(line) {
				outputs <- time.Now()
			}
			if err != nil {
				close(outputs)
				return
			}
		}
	}()
	drain := func(d time.Duration) {
		t := time.NewTimer(d)
		defer t.Stop()
		for {
			select {
			case _, ok := <-outputs:
				if !ok {
					return
				}
			case <-t.C:
				return
			}
		}
	}
	send := func(k string) {
		// quoted for tmux's command parser
		fmt.Fprintf(in, "send-keys -t %s '%s'\n", *target, strings.ReplaceAll(k, "'", `'\''`))
	}
	drain(300 * time.Millisecond)
	for i := 0; i < *n; i++ {
		drain(50 * time.Millisecond)
		t0 := time.Now()
		for _, k := range keys {
			send(k)
		}
		var last time.Time
		deadline := time.NewTimer(*maxWait)
	wait:
		for {
			var pause <-chan time.Time
			if !last.IsZero() {
				pause = time.After(*quiet - time.Since(last))
			}
			select {
			case at, ok := <-outputs:
				if !ok {
					break wait
				}
				last = at
			case <-pause:
				break wait
			case <-deadline.C:
				break wait
			}
		}
		deadline.Stop()
		if last.IsZero() {
			fmt.Println("timeout")
		} else {
			fmt.Printf("%.1f\n", float64(last.Sub(t0).Microseconds())/1000)
		}
		if *after != "" {
			send(*after)
			drain(300 * time.Millisecond)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "keylatency:", err)
	os.Exit(1)
}
