#!/usr/bin/env bash
# Whole-program figures: the real binary in tmux against `stackpit demo
# serve` in another process. Usage: bench_program.sh BIN INSTANCES HOSTS
# Prints one "figure<TAB>value" line per measurement.
set -uo pipefail
bin=$1 n=$2 hosts=$3
tmp=$(mktemp -d)
sock="$tmp/tmux.sock"
now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.0f", (a-b)*1000}'; }
"$bin" demo serve --scale "$n" --hosts "$hosts" --fail-after -1s --config-out "$tmp/config.yaml" > "$tmp/demo.log" 2>&1 &
demo_pid=$!
for _ in $(seq 1 300); do [ -s "$tmp/config.yaml" ] && break; sleep 0.2; done
cleanup() { tmux -S "$sock" kill-server 2>/dev/null; kill "$demo_pid" 2>/dev/null; wait "$demo_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cap() { tmux -S "$sock" capture-pane -p -t b; }
XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/cfg tmux -S "$sock" new-session -d -s b -x 160 -y 50 "$bin --config $tmp/config.yaml --cloud demo"
t0=$(now); first="n/a"; all="n/a"
for _ in $(seq 1 3000); do
  s=$(cap)
  if [ "$first" = "n/a" ] && echo "$s" | grep -qE '(^| )[1-9][0-9]*/[0-9]+ servers'; then first=$(ms "$(now)" "$t0"); fi
  if echo "$s" | grep -q "$n/$n servers"; then all=$(ms "$(now)" "$t0"); break; fi
  sleep 0.02
done
printf 'start to first rows (ms)\t%s\nstart to all %s rows (ms)\t%s\n' "$first" "$n" "$all"
sleep 2
# Key to screen: send a key, poll the screen until it differs.
k2s() { # name key...
  local name=$1; shift; local times=()
  for i in $(seq 1 15); do
    local before; before=$(cap)
    local a; a=$(now)
    tmux -S "$sock" send-keys -t b "$@"
    for _ in $(seq 1 500); do [ "$(cap)" != "$before" ] && break; sleep 0.002; done
    times+=("$(ms "$(now)" "$a")")
    sleep 0.05
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" '{v[NR]=$1} END{p50=v[int((NR+1)/2)]; p99=v[NR]; printf "key to screen %s p50/max (ms, 15 keys)\t%s / %s\n", name, p50, p99}'
}
k2s "j" j
k2s "page down" NPage
k2s "sort change" ">"
k2s "pane switch" Tab
tmux -S "$sock" send-keys -t b 1
sleep 0.5
tmux -S "$sock" send-keys -t b /
sleep 0.3
k2s "filter keystroke" a
tmux -S "$sock" send-keys -t b Escape
# Steady refresh: traffic over 60 s after the load, RSS after >= 10 refreshes.
kill -USR1 "$demo_pid"; sleep 60; kill -USR1 "$demo_pid"; sleep 0.5
pane_pid=$(tmux -S "$sock" display -p -t b '#{pane_pid}')
rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$pane_pid/status" 2>/dev/null)
printf 'RSS after 20 refreshes (MiB)\t%s\n' "${rss:-n/a}"
awk '/^traffic over/ {snap++} /^traffic [a-z]/ && $2 != "over" {split($3,r,"="); split($4,b,"="); if (snap==1) {r1[$2]=r[2]; b1[$2]=b[2]} else {r2[$2]=r[2]; b2[$2]=b[2]}}
  END {for (k in r2) printf "steady minute %s: requests / bytes\t%d / %d\n", k, r2[k]-r1[k], b2[k]-b1[k]}' "$tmp/demo.log" | sort
