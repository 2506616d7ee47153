#!/usr/bin/env bash
# A/B of start to first rows / all rows: one demo at N (the first binary's),
# the binaries alternated five times. Usage: bash testenv/ab_start.sh N BIN_A BIN_B
# HOSTS=1000: the demo's compute hosts (default 40).
set -uo pipefail
n=$1; shift
tmp=$(mktemp -d); sock=$tmp/s
# Times from before tmux starts the program, by a control-mode client
# (testenv/startlatency; a shell poll took CPU from the start it timed).
sl=$tmp/startlatency
(cd "$(dirname "$0")/.." && go build -o "$sl" ./testenv/startlatency) || exit 1
"$1" demo serve --scale "$n" --hosts "${HOSTS:-40}" --fail-after -1s --config-out "$tmp/config.yaml" > "$tmp/demo.log" 2>&1 &
demo=$!
for _ in $(seq 1 300); do [ -s "$tmp/config.yaml" ] && break; sleep 0.2; done
echo "hosts ${HOSTS:-40} load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in 1 2 3 4 5; do
  for bin in "$@"; do
    t0=$(date +%s%N)
    XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/cfg tmux -S "$sock" new-session -d -s b -x 160 -y 50 "$bin --config $tmp/config.yaml --cloud demo"
    echo "$bin $("$sl" -S "$sock" -t b -since "$t0" -max 60s -first '(^| )[1-9][0-9]*/[0-9]+ servers,^NAME +ID' -all "$n/$n servers" | tr '\n' ' ')"
    tmux -S "$sock" kill-server 2>/dev/null; sleep 2
  done
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
kill $demo; wait $demo 2>/dev/null; rm -rf "$tmp"
