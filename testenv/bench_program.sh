#!/usr/bin/env bash
# Whole-program figures: the real binary in tmux against `stackpit demo
# serve` in another process, or (MODE inproc) against its own in-process
# demo (`--demo --demo-scale N`). Usage:
#   bench_program.sh BIN INSTANCES HOSTS [inproc]
# QUIET=1: the demo runs with --quiet (nothing on screen changes by
# itself), so the steady minute's output bytes are an idle screen's.
# Prints one "figure<TAB>value" line per measurement, with the machine's
# load average at the start and the end (wall-clock figures mean little
# on a loaded machine). PATHS=1 adds the steady minute's requests per
# path (out-of-process demo only).
set -uo pipefail
bin=$1 n=$2 hosts=$3 mode=${4:-serve}
tmp=$(mktemp -d)
sock="$tmp/tmux.sock"
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
printf 'load average at start (1/5/15 min)\t%s\n' "$(loadavg)"
sl="$tmp/startlatency" kl="$tmp/keylatency"
(cd "$(dirname "$0")/.." && go build -o "$sl" ./testenv/startlatency && go build -o "$kl" ./testenv/keylatency) || { echo "startlatency/keylatency: build failed" >&2; exit 1; }
demo_pid=""
cleanup() { tmux -S "$sock" kill-server 2>/dev/null; [ -n "$demo_pid" ] && { kill "$demo_pid" 2>/dev/null; wait "$demo_pid" 2>/dev/null; }; rm -rf "$tmp"; }
trap cleanup EXIT
if [ "$mode" = inproc ]; then
  cmd="$bin --demo --demo-scale $n --demo-hosts $hosts --demo-fail-after -1s"
else
  quiet=""; [ -n "${QUIET:-}" ] && quiet=--quiet
  "$bin" demo serve --scale "$n" --hosts "$hosts" --fail-after -1s $quiet --config-out "$tmp/config.yaml" > "$tmp/demo.log" 2>&1 &
  demo_pid=$!
  for _ in $(seq 1 300); do [ -s "$tmp/config.yaml" ] && break; sleep 0.2; done
  cmd="$bin --config $tmp/config.yaml --cloud demo"
fi
# cap: the screen with its styles (-e), so a cursor move (a style change
# only) counts as a change.
cap() { tmux -S "$sock" capture-pane -p -e -t b; }
# The demo's CPU time (ms): a second measure of the server's own work,
# which the wall-clock X-Demo-Took-Us sum overstates when the server
# shares busy cores (with the cockpit's own concurrent requests too).
democpu() { awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); split($0, f, " "); printf "%.0f", (f[12]+f[13])*1000/hz}' "/proc/$demo_pid/stat" 2>/dev/null; }
cpu0=""; [ -n "$demo_pid" ] && cpu0=$(democpu)
# Start to first rows (a count in the header and the table drawn under
# it) and to all rows, timed from before tmux starts the program by a
# control-mode client that captures the pane when it is written to
# (testenv/startlatency: a shell poll of capture-pane and grep every 20 ms
# took CPU from the start it timed).
t0=$(date +%s%N)
XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/cfg tmux -S "$sock" new-session -d -s b -x 160 -y 50 "$cmd"
times=$("$sl" -S "$sock" -t b -since "$t0" -max 120s -first '(^| )[1-9][0-9]*/[0-9]+ servers,^NAME +ID' -all "$n/$n servers")
first=$(echo "$times" | awk '$1=="first" {print $2}'); all=$(echo "$times" | awk '$1=="all" {print $2}')
first=${first:-n/a}; all=${all:-n/a}
cpu1=""; [ -n "$demo_pid" ] && cpu1=$(democpu)
printf 'start to first rows (ms)\t%s\nstart to all %s rows (ms)\t%s\n' "$first" "$n" "$all"
if [ -n "$demo_pid" ]; then
  # The server's own time (the demo's time to produce each response,
  # summed) for Nova until all rows were on screen: the server list pages
  # plus the few other Nova requests of the start.
  kill -USR1 "$demo_pid"; sleep 0.5
  nova_ms=$(awk '/^traffic nova / {for (i=3;i<=NF;i++) if ($i ~ /^server_ms=/) {split($i,a,"="); v=a[2]}} END {print v}' "$tmp/demo.log")
  printf 'nova server time until all rows (ms)\t%s\n' "${nova_ms:-n/a}"
  if [ -n "${nova_ms:-}" ] && [ "$all" != "n/a" ] && [ "$nova_ms" -gt 0 ]; then
    printf 'all rows / nova server time\t%s\n' "$(awk -v a="$all" -v b="$nova_ms" 'BEGIN{printf "%.2fx", a/b}')"
  fi
  if [ -n "$cpu0" ] && [ -n "$cpu1" ]; then
    printf 'demo CPU until all rows (ms, every service)\t%s\n' "$((cpu1 - cpu0))"
  fi
fi
sleep 2
# Key to screen: a tmux control-mode client sends the key and times the
# cockpit's output for it to the frame's last byte (testenv/keylatency: a
# capture-pane poll alone cost 45-150 ms here). 30 presses per key.
k2s() { # name key... (AFTER: a key sent after each press, to go back)
  local name=$1; shift
  "$kl" -S "$sock" -t b -n 30 ${AFTER:+-after "$AFTER"} "$@" | sort -n | awk -v name="$name" '
    $1=="timeout" {to++; next} {v[++n]=$1}
    END {if (n==0) {printf "key to screen %s p50/p99/max (ms, 30 keys)\tn/a (%d timeouts)\n", name, to; exit}
      i50=int((n+1)/2); i99=int(n*0.99+0.999); if (i99>n) i99=n
      printf "key to screen %s p50/p99/max (ms, 30 keys)\t%s / %s / %s%s\n", name, v[i50], v[i99], v[n], (to ? " (" to " timeouts)" : "")}'
}
k2s "j" j
AFTER=PPage k2s "page down" NPage
k2s "sort change" ">"
AFTER=Escape k2s "open detail" Enter
k2s "pane switch" Tab
tmux -S "$sock" send-keys -t b 1
sleep 0.5
tmux -S "$sock" send-keys -t b /
sleep 0.3
AFTER=BSpace k2s "filter keystroke" a
tmux -S "$sock" send-keys -t b Escape
if [ -z "$demo_pid" ]; then
  sleep 30
  pane_pid=$(tmux -S "$sock" display -p -t b '#{pane_pid}')
  rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$pane_pid/status" 2>/dev/null)
  printf 'RSS, cockpit and in-process demo (MiB)\t%s\n' "${rss:-n/a}"
  printf 'load average at end (1/5/15 min)\t%s\n' "$(loadavg)"
  exit 0
fi
# Steady refresh: traffic over 60 s after the load, RSS after >= 10 refreshes,
# and the bytes the cockpit wrote to its terminal in that minute (tmux
# pipe-pane: what an SSH link would carry).
sleep 3 # the filter's Escape redraw is not the idle minute's
tmux -S "$sock" pipe-pane -t b "cat > $tmp/out.bytes"
kill -USR1 "$demo_pid"; sleep 60; kill -USR1 "$demo_pid"; sleep 0.5
tmux -S "$sock" pipe-pane -t b
sleep 0.2
label="with the demo's changes (metrics, logs, Ceph)"
[ -n "${QUIET:-}" ] && label="quiet demo: no data change"
printf 'bytes written in the steady minute, %s\t%s\n' "$label" "$(stat -c %s "$tmp/out.bytes" 2>/dev/null || echo n/a)"
pane_pid=$(tmux -S "$sock" display -p -t b '#{pane_pid}')
rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$pane_pid/status" 2>/dev/null)
printf 'RSS after 20 refreshes (MiB)\t%s\n' "${rss:-n/a}"
# The last two snapshots bound the minute.
# One line per backend: per-host services (bmc-compute17, docker-control02)
# are summed as bmc-*, docker-* with their host count, so 1,000 hosts read
# as one figure (and a per host per minute one).
awk '/^traffic over/ {snap++} /^traffic [a-z]/ && $2 != "over" {k=$2; if (sub(/-(compute|control)[0-9]+$/, "-*", k)) h[snap,k]++; split($3,r,"="); split($4,b,"="); rq[snap,k]+=r[2]; by[snap,k]+=b[2]; seen[k]=1}
  END {for (k in seen) {n=h[snap,k]; printf "steady minute %s: requests / bytes\t%d / %d%s\n", k, rq[snap,k]-rq[snap-1,k], by[snap,k]-by[snap-1,k], (n ? sprintf(" (%d hosts: %.2f requests per host)", n, (rq[snap,k]-rq[snap-1,k])/n) : "")}}' "$tmp/demo.log" | sort
# Per path (PATHS=1): which reads each backend's count is made of.
if [ -n "${PATHS:-}" ]; then
  # UUIDs in a path (one Placement provider per host) count as one path.
  awk '/^traffic over/ {snap++} /^path / {s=$2; sub(/-(compute|control)[0-9]+$/, "-*", s); k=s" "$3" "$4; gsub(/[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+/, "{id}", k); c[snap,k]+=$5; seen[k]=1}
    END {for (k in seen) if (c[snap,k]-c[snap-1,k] > 0) printf "steady minute path %s\t%d\n", k, c[snap,k]-c[snap-1,k]}' "$tmp/demo.log" | sort
fi
printf 'load average at end (1/5/15 min)\t%s\n' "$(loadavg)"
