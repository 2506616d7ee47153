#!/usr/bin/env bash
# Whole-program figures for `stackpit serve` (issue 20): the real binary
# serving real OpenSSH clients, each in its own tmux window (160x50),
# against `stackpit demo serve` in a third process. Usage:
#   bench_serve.sh BIN INSTANCES "1 5 20"
# For each session count: a fresh demo and server; N sessions are opened
# and waited for until each shows all rows; then one steady minute of
# requests per backend (the demo's own counts, SIGUSR1), the server's RSS,
# and key to screen for `j` in every session. Prints "figure<TAB>value"
# lines, with the load average at the start and end of each run (wall-
# clock figures mean little on a loaded machine).
# STACKPIT_PPROF set in the environment reaches the server (profiles).
# SESSIONS="1 5 20" is the third argument's default; PATHS=1 adds the
# steady minute per path; SETTLE=N waits N more seconds before it;
# MAXWAIT=N bounds the wait for all rows (default 600 s).
# Run time at 50k (2 cores): about 3 min for 1 session, 5 for 5, 12 for 20.
set -uo pipefail
bin=$(readlink -f "$1") n=$2 counts=${3:-${SESSIONS:-"1 5 20"}}
hosts=${HOSTS:-40}
now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.0f", (a-b)*1000}'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
rss_of() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null; }
tmp="" demo_pid="" serve_pid="" sock=""
stop_run() {
  [ -n "$sock" ] && tmux -S "$sock" kill-server 2>/dev/null
  [ -n "$serve_pid" ] && { kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; }
  [ -n "$demo_pid" ] && { kill "$demo_pid" 2>/dev/null; wait "$demo_pid" 2>/dev/null; }
  [ -n "$tmp" ] && rm -rf "$tmp"
  tmp="" demo_pid="" serve_pid="" sock=""
}
trap stop_run EXIT

declare -A rss_at
kldir=$(mktemp -d)
kl="$kldir/keylatency"
(cd "$(dirname "$0")/.." && go build -o "$kl" ./testenv/keylatency) || { echo "keylatency: build failed" >&2; exit 1; }
trap 'stop_run; rm -rf "$kldir"' EXIT
run() { # sessions
  local k=$1 p="$n instances, $1 sessions"
  tmp=$(mktemp -d); sock="$tmp/tmux.sock"
  printf '%s: load average at start (1/5/15 min)\t%s\n' "$p" "$(loadavg)"
  "$bin" demo serve --scale "$n" --hosts "$hosts" --fail-after -1s --config-out "$tmp/config.yaml" > "$tmp/demo.log" 2>&1 &
  demo_pid=$!
  for _ in $(seq 1 600); do [ -s "$tmp/config.yaml" ] && break; sleep 0.2; done
  ssh-keygen -q -t ed25519 -N "" -f "$tmp/key" >/dev/null
  printf 'users:\n  - name: bench\n    role: auditor\n    keys: ["%s"]\nlimits:\n  sessions_per_user: 64\n  sessions_total: 64\n' \
    "$(cat "$tmp/key.pub")" > "$tmp/users.yaml"
  XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/cfg "$bin" serve --config "$tmp/config.yaml" --cloud demo \
    --users "$tmp/users.yaml" --listen 127.0.0.1:0 --host-key "$tmp/host_key" > "$tmp/serve.log" 2> "$tmp/serve.err" &
  serve_pid=$!
  local addr=""
  for _ in $(seq 1 300); do
    addr=$(sed -n 's/^stackpit serve: listening on \([^ ]*\) .*/\1/p' "$tmp/serve.log")
    [ -n "$addr" ] && break; sleep 0.1
  done
  if [ -z "$addr" ]; then echo "serve did not start: $(cat "$tmp/serve.err")" >&2; stop_run; return 1; fi
  printf '%s: serve RSS with no session (MiB)\t%s\n' "$p" "$(rss_of "$serve_pid")"
  local ssh="ssh -tt -i $tmp/key -p ${addr##*:} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR bench@127.0.0.1"
  # A window whose ssh ended stays, saying why (not a dead tmux).
  ssh="$ssh; echo ssh exited \$?; sleep 3600"
  local t0; t0=$(now)
  tmux -S "$sock" new-session -d -s b -n w1 -x 160 -y 50 "$ssh"
  for i in $(seq 2 "$k"); do
    tmux -S "$sock" new-window -d -t b: -n "w$i" "$ssh"
    tmux -S "$sock" resize-window -t "b:w$i" -x 160 -y 50
  done
  # Every session shows all rows (the header's N/N servers).
  # At most MAXWAIT seconds (default 600): a run whose sessions never all
  # load still measures its steady minute, and says how many did.
  local left=$k slowest="n/a" until; declare -A seen=()
  until=$(awk -v a="$t0" -v w="${MAXWAIT:-600}" 'BEGIN{printf "%d", a+w}')
  while [ "$(date +%s)" -lt "$until" ]; do
    for i in $(seq 1 "$k"); do
      [ -n "${seen[$i]:-}" ] && continue
      if tmux -S "$sock" capture-pane -p -t "b:w$i" | grep -q "$n/$n servers"; then seen[$i]=1; left=$((left-1)); fi
    done
    [ "$left" -eq 0 ] && { slowest=$(ms "$(now)" "$t0"); break; }
    tmux -S "$sock" has-session -t b 2>/dev/null || break
    sleep 0.2
  done
  printf '%s: start to all rows in every session (ms)\t%s\n' "$p" "$slowest"
  printf '%s: sessions showing all rows before the steady minute\t%s of %s\n' "$p" "$((k-left))" "$k"
  if [ "$left" -ne 0 ]; then
    echo "$p: $left sessions never showed all rows" >&2
    tmux -S "$sock" capture-pane -p -t "b:w1" | head -5 >&2
  fi
  if ! tmux -S "$sock" has-session -t b 2>/dev/null; then echo "$p: tmux ended" >&2; stop_run; return 1; fi
  # The first refresh after the load; SETTLE more seconds let the hidden
  # panes' first loads end (at 50k each session's volumes pane lists
  # 62k volumes and the server names: whole lists in the "steady" minute).
  sleep $((5 + ${SETTLE:-0}))
  # Steady minute: what every backend received (the demo's own counts).
  kill -USR1 "$demo_pid"; sleep 60; kill -USR1 "$demo_pid"; sleep 0.5
  awk -v p="$p" '/^traffic over/ {snap++} /^traffic [a-z]/ && $2 != "over" {split($3,r,"="); rq[snap,$2]=r[2]; seen[$2]=1}
    END {for (k in seen) printf "%s: steady requests/min %s\t%d\n", p, k, rq[snap,k]-rq[snap-1,k]}' "$tmp/demo.log" | sort
  # Per path (PATHS=1): which reads a backend's count is made of.
  if [ -n "${PATHS:-}" ]; then
    awk -v p="$p" '/^traffic over/ {snap++} /^path / {k=$2" "$3" "$4; c[snap,k]=$5; seen[k]=1}
      END {for (k in seen) if (c[snap,k]-c[snap-1,k] > 0) printf "%s: steady requests/min path %s\t%d\n", p, k, c[snap,k]-c[snap-1,k]}' "$tmp/demo.log" | sort
  fi
  local rss; rss=$(rss_of "$serve_pid")
  rss_at[$k]=$rss
  printf '%s: serve RSS, sessions steady (MiB)\t%s\n' "$p" "${rss:-n/a}"
  # Key to screen for j in each session (10 keys each), one after another.
  local all=()
  for i in $(seq 1 "$k"); do
    # A tmux control-mode client times the session's own output for the
    # key (testenv/keylatency; capture-pane polling cost 45-150 ms here).
    local times=()
    mapfile -t times < <("$kl" -S "$sock" -t "b:w$i" -n 10 j | grep -v timeout)
    all+=("${times[@]}")
    printf '%s\n' "${times[@]}" | sort -n | awk -v p="$p" -v i="$i" '{v[NR]=$1} END{printf "%s: key to screen j, session %d p50/max (ms, 10 keys)\t%s / %s\n", p, i, v[int((NR+1)/2)], v[NR]}'
  done
  printf '%s\n' "${all[@]}" | sort -n | awk -v p="$p" '{v[NR]=$1} END{printf "%s: key to screen j, all sessions p50/max (ms, %d keys)\t%s / %s\n", p, NR, v[int((NR+1)/2)], v[NR]}'
  printf '%s: load average at end (1/5/15 min)\t%s\n' "$p" "$(loadavg)"
  stop_run
}

first=""
for k in $counts; do
  run "$k"
  [ -z "$first" ] && first=$k
done
# RSS per added session, against the first count run.
for k in $counts; do
  [ "$k" = "$first" ] && continue
  if [ -n "${rss_at[$k]:-}" ] && [ -n "${rss_at[$first]:-}" ]; then
    printf '%s instances: serve RSS per added session, %s to %s sessions (MiB)\t%s\n' "$n" "$first" "$k" \
      "$(awk -v a="${rss_at[$k]}" -v b="${rss_at[$first]}" -v k="$k" -v f="$first" 'BEGIN{printf "%.0f", (a-b)/(k-f)}')"
  fi
done
