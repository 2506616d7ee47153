#!/usr/bin/env bash
# Real Grafana Loki v3.7.8 for stackpit's integration tests.
#
#   testenv/loki.sh install   build Loki from the Go module proxy (wrapper module testenv/loki/)
#   testenv/loki.sh start     start it on 127.0.0.1:13100, push fixture lines, write testenv/run/loki.env
#   testenv/loki.sh stop      stop it (by saved PID only)
#
# Loki is not in Debian and `go install .../cmd/loki@v3.7.8` is refused (its go.mod has replace
# directives), so testenv/loki/go.mod requires it with Loki's replace/exclude lines copied (except
# the local pkg/push one). go.mod and go.sum are committed: a cold build takes ~11 min and 2.2 GB,
# a warm one seconds. The binary goes to testenv/run/loki/bin/loki (gitignored).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
RUN="$HERE/run/loki"
BIN="$RUN/bin/loki"
ENVFILE="$HERE/run/loki.env"
PORT="${STACKPIT_LOKI_PORT:-13100}"
GRPC_PORT="${STACKPIT_LOKI_GRPC_PORT:-13095}"
# Short tail life so the reconnect test does not wait an hour.
TAIL_MAX="${STACKPIT_LOKI_TAIL_MAX:-20s}"

log() { echo "loki.sh: $*" >&2; }

install() {
	local stamp
	stamp="v3.7.8 $(sha256sum "$HERE/loki/go.sum" | cut -c1-16)"
	if [[ -x "$BIN" ]] && [[ "$(cat "$BIN.stamp" 2>/dev/null)" == "$stamp" ]]; then
		log "loki already built: $BIN ($stamp)"
		return 0
	fi
	command -v go >/dev/null || { log "go is required"; exit 1; }
	mkdir -p "$RUN/bin"
	log "building Loki v3.7.8 from the module proxy (cold: ~11 min, 2.2 GB RAM)..."
	local start=$SECONDS
	(cd "$HERE/loki" && GOFLAGS=-mod=mod nice -n 5 go build -tags netgo -o "$BIN.tmp" github.com/grafana/loki/v3/cmd/loki) \
		|| { log "build failed"; exit 1; }
	mv "$BIN.tmp" "$BIN"
	echo "$stamp" >"$BIN.stamp"
	log "built in $((SECONDS - start)) s"
}

alive() { # pid file -> running loki?
	local pid
	pid="$(cat "$RUN/loki.pid" 2>/dev/null || true)"
	[[ -n "$pid" && -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$BIN" && ! grep -q '^State:.*Z' "/proc/$pid/status"
}

write_config() {
	mkdir -p "$RUN/data"
	cat >"$RUN/loki.yaml" <<EOF
auth_enabled: false
server:
  http_listen_address: 127.0.0.1
  http_listen_port: $PORT
  grpc_listen_address: 127.0.0.1
  grpc_listen_port: $GRPC_PORT
  log_level: warn
common:
  instance_addr: 127.0.0.1
  path_prefix: $RUN/data
  replication_factor: 1
  storage:
    filesystem:
      chunks_directory: $RUN/data/chunks
      rules_directory: $RUN/data/rules
  ring:
    kvstore:
      store: inmemory
schema_config:
  configs:
    - from: 2024-01-01
      store: tsdb
      object_store: filesystem
      schema: v13
      index:
        prefix: index_
        period: 24h
ingester:
  lifecycler:
    min_ready_duration: 0s
frontend:
  scheduler_dns_lookup_period: 1s
frontend_worker:
  dns_lookup_duration: 1s
querier:
  tail_max_duration: $TAIL_MAX
limits_config:
  ingestion_rate_mb: 64
  ingestion_burst_size_mb: 128
  per_stream_rate_limit: 64MB
  per_stream_rate_limit_burst: 128MB
  max_entries_limit_per_query: 5000
  max_concurrent_tail_requests: 10
analytics:
  reporting_enabled: false
EOF
}

start() {
	[[ -x "$BIN" ]] || { log "not built: run testenv/loki.sh install"; exit 1; }
	if alive; then
		log "already running (pid $(cat "$RUN/loki.pid"))"
	else
		rm -rf "$RUN/data"
		write_config
		setsid "$BIN" -config.file="$RUN/loki.yaml" >"$RUN/loki.log" 2>&1 </dev/null &
		echo $! >"$RUN/loki.pid"
	fi
	local deadline=$((SECONDS + 90))
	until curl -fsS "http://127.0.0.1:$PORT/ready" 2>/dev/null | grep -q ready; do
		if ! alive; then
			log "loki exited; log tail:"; tail -n 40 "$RUN/loki.log" >&2; exit 1
		fi
		if ((SECONDS > deadline)); then
			log "not ready after 90 s; log tail:"; tail -n 40 "$RUN/loki.log" >&2; exit 1
		fi
		sleep 0.3
	done
	log "ready on 127.0.0.1:$PORT (pid $(cat "$RUN/loki.pid"))"
	# Fixture lines via protobuf push (the same encoder the demo uses).
	(cd "$ROOT" && go run ./datasource/loki/lokipush -url "http://127.0.0.1:$PORT") || {
		log "pushing fixtures failed; log tail:"; tail -n 40 "$RUN/loki.log" >&2; exit 1; }
	cat >"$ENVFILE" <<EOF
export STACKPIT_TEST_LOKI_URL=http://127.0.0.1:$PORT
export STACKPIT_TEST_LOKI_TAIL_MAX=$TAIL_MAX
EOF
	log "wrote $ENVFILE"
}

stop() {
	if alive; then
		local pid
		pid="$(cat "$RUN/loki.pid")"
		kill "$pid"
		for _ in $(seq 50); do alive || break; sleep 0.1; done
		alive && kill -9 "$pid" || true
		log "stopped pid $pid"
	else
		log "not running"
	fi
	rm -f "$RUN/loki.pid" "$ENVFILE"
}

# compare: the issue's baseline. logcli --tail on a 10,000 lines/s stream
# (30 s) against a running Loki; prints how many lines it received. Our
# follower's figures: go test -tags integration -bench IntegrationFollow10k.
compare() {
	[[ -x "$RUN/bin/logcli" ]] || (cd "$HERE/loki" && GOFLAGS=-mod=mod go build -tags netgo -o "$RUN/bin/logcli" github.com/grafana/loki/v3/cmd/logcli)
	local job="cmp$$" out="$RUN/logcli.out"
	timeout 50 "$RUN/bin/logcli" query --addr="http://127.0.0.1:$PORT" --tail -o raw --quiet "{job=\"$job\"}" >"$out" 2>"$RUN/logcli.err" &
	local lp=$!
	sleep 2
	(cd "$ROOT" && go run ./datasource/loki/lokipush -url "http://127.0.0.1:$PORT" -rate 10000 -for 30s -job "$job")
	sleep 5
	kill "$lp" 2>/dev/null || true
	echo "logcli --tail: received $(grep -o 'seq [0-9]*' "$out" | sort -u | wc -l) of 300000 lines;" \
		"server-reported drops: $(grep -c ' UTC {' "$RUN/logcli.err");" \
		"ended: $(grep -o 'close 1011[^:]*: .*' "$RUN/logcli.err" | head -1)"
}

case "${1:-}" in
install) install ;;
compare) compare ;;
start) start ;;
stop) stop ;;
*) echo "usage: $0 install|start|stop|compare" >&2; exit 2 ;;
esac
