// Command startlatency times a program's start in tmux to the moments its
// screen first matches patterns: it attaches as a tmux control-mode client
// and captures the pane (capture-pane over that one connection) each time
// the program writes to it. The shell poll it replaces spawned a tmux
// client and two greps every 20 ms: on this 2-core machine that took CPU
// from the very start it timed (keylatency's comment measured a capture
// poll at 45-150 ms of latency).
//
//	startlatency -S SOCKET -t TARGET -since UNIXNANO -first RE[,RE...] -all RE [-max 60s]
//
// -since is when the program was started (taken before tmux new-session).
// Prints "first MS" when every -first pattern matches one screen, then
// "all MS" when -all matches, and exits; "n/a" for one that never came
// within -max. A capture is answered after the output that prompted it,
// so a time is at most one capture late, never early.
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/stackpit/stackpit/testenv/tmuxcontrol"
)

func main() {
	sock := flag.String("S", "", "tmux socket")
	target := flag.String("t", "", "tmux target pane")
	since := flag.Int64("since", 0, "the program's start, unix nanoseconds")
	firstRE := flag.String("first", "", "comma-separated patterns that together mark the first rows")
	allRE := flag.String("all", "", "pattern that marks all rows")
	maxWait := flag.Duration("max", time.Minute, "give up after this long")
	flag.Parse()
	if *sock == "" || *target == "" || *since == 0 || *allRE == "" {
		fmt.Fprintln(os.Stderr, "usage: startlatency -S SOCKET -t TARGET -since UNIXNANO [-first RE,...] -all RE")
		os.Exit(2)
	}
	var firsts []*regexp.Regexp
	if *firstRE != "" {
		for _, p := range strings.Split(*firstRE, ",") {
			firsts = append(firsts, regexp.MustCompile("(?m)"+p))
		}
	}
	all := regexp.MustCompile("(?m)" + *allRE)
	t0 := time.Unix(0, *since)
	tc, err := tmuxcontrol.Attach(*sock, *target)
	if err != nil {
		fail(err)
	}
	defer tc.Close()
	in, pane := tc.In, tc.Pane
	// events: "o" for the pane's output, or a capture's text.
	type event struct {
		output bool
		screen string
		at     time.Time
	}
	events := make(chan event, 4096)
	go func() {
		var block *strings.Builder
		for {
			line, err := tc.Out.ReadString('\n')
			switch {
			case block != nil && strings.HasPrefix(line, "%end ") || block != nil && strings.HasPrefix(line, "%error "):
				events <- event{screen: block.String(), at: time.Now()}
				block = nil
			case block != nil:
				block.WriteString(line)
			case strings.HasPrefix(line, "%begin "):
				block = &strings.Builder{}
			case tc.IsOutput(line):
				events <- event{output: true, at: time.Now()}
			}
			if err != nil {
				close(events)
				return
			}
		}
	}()
	// The attach's own command block comes first; then one capture at a
	// time, another asked when output came while one was out.
	capture := func() { fmt.Fprintf(in, "capture-pane -p -t %s\n", pane) }
	inFlight, dirty := true, false
	capture()
	var firstAt time.Time
	deadline := time.After(*maxWait)
	tick := time.NewTicker(100 * time.Millisecond) // a missed notification costs at most this
	defer tick.Stop()
	ms := func(at time.Time) string {
		return strconv.FormatFloat(float64(at.Sub(t0).Microseconds())/1000, 'f', 0, 64)
	}
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				fail(fmt.Errorf("tmux control client ended"))
			}
			if ev.output {
				if inFlight {
					dirty = true
				} else {
					inFlight = true
					capture()
				}
				continue
			}
			inFlight = false
			if firstAt.IsZero() && len(firsts) > 0 && matchAll(firsts, ev.screen) {
				firstAt = ev.at
				fmt.Println("first", ms(firstAt))
			}
			if all.MatchString(ev.screen) {
				if firstAt.IsZero() && len(firsts) > 0 {
					fmt.Println("first", ms(ev.at))
				}
				fmt.Println("all", ms(ev.at))
				return
			}
			if dirty {
				dirty, inFlight = false, true
				capture()
			}
		case <-tick.C:
			if !inFlight {
				inFlight = true
				capture()
			}
		case <-deadline:
			if firstAt.IsZero() && len(firsts) > 0 {
				fmt.Println("first n/a")
			}
			fmt.Println("all n/a")
			return
		}
	}
}

func matchAll(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if !re.MatchString(s) {
			return false
		}
	}
	return true
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "startlatency:", err)
	os.Exit(1)
}
