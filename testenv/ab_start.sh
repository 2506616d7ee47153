#!/usr/bin/env bash
# A/B of start to first rows / all rows: one demo at N (the first binary's),
# the binaries alternated five times. Usage: bash testenv/ab_start.sh N BIN_A BIN_B
set -uo pipefail
n=$1; shift
tmp=$(mktemp -d); sock=$tmp/s
now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.0f", (a-b)*1000}'; }
"$1" demo serve --scale "$n" --hosts 40 --fail-after -1s --config-out "$tmp/config.yaml" > "$tmp/demo.log" 2>&1 &
demo=$!
for _ in $(seq 1 300); do [ -s "$tmp/config.yaml" ] && break; sleep 0.2; done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in 1 2 3 4 5; do
  for bin in "$@"; do
    XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/cfg tmux -S "$sock" new-session -d -s b -x 160 -y 50 "$bin --config $tmp/config.yaml --cloud demo"
    t0=$(now); first=n/a; all=n/a
    for _ in $(seq 1 3000); do
      s=$(tmux -S "$sock" capture-pane -p -t b)
      if [ "$first" = n/a ] && echo "$s" | grep -qE '(^| )[1-9][0-9]*/[0-9]+ servers' && echo "$s" | grep -qE '^NAME +ID'; then first=$(ms "$(now)" "$t0"); fi
      if echo "$s" | grep -q "$n/$n servers"; then all=$(ms "$(now)" "$t0"); break; fi
      sleep 0.02
    done
    echo "$bin first $first all $all"
    tmux -S "$sock" kill-server 2>/dev/null; sleep 2
  done
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
kill $demo; wait $demo 2>/dev/null; rm -rf "$tmp"
