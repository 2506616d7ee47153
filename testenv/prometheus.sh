#!/usr/bin/env bash
# Real Prometheus for stackpit integration tests.
#   testenv/prometheus.sh install   apt-get install prometheus + alertmanager (idempotent)
#   testenv/prometheus.sh start     backfill 6 h of the story, start exporter + Prometheus
#   testenv/prometheus.sh stop      stop what start started (by saved PID only)
# Prometheus listens on 127.0.0.1:19090, the exporter on 127.0.0.1:19101.
# Alerts go to Alertmanager at 127.0.0.1:19093 (started by testenv/alertmanager.sh).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
RUN="$HERE/run/prometheus"
ENVFILE="$HERE/run/prometheus.env"
PROM_ADDR="${STACKPIT_PROM_ADDR:-127.0.0.1:19090}"
EXPORTER_ADDR="${STACKPIT_EXPORTER_ADDR:-127.0.0.1:19101}"
AM_ADDR="${STACKPIT_AM_ADDR:-127.0.0.1:19093}"
HOURS="${STACKPIT_PROM_BACKFILL_HOURS:-6}"

log() { echo "prometheus.sh: $*" >&2; }

install() {
	if command -v prometheus >/dev/null && command -v promtool >/dev/null && command -v prometheus-alertmanager >/dev/null; then
		log "already installed: $(prometheus --version 2>&1 | head -1)"
		return 0
	fi
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	# Other helpers install at the same time: a half-configured dpkg state
	# (unmet dependencies for a moment) or stale lists are retried.
	local deadline=$((SECONDS + 1500)) n=0
	until apt_install; do
		[ $SECONDS -lt $deadline ] || { log "apt-get install kept failing"; return 1; }
		n=$((n + 1))
		if [ $n -eq 1 ] || [ $((n % 5)) -eq 0 ]; then apt_update || true; fi
		sleep 10
	done
}

apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=1200 install -y --no-install-recommends \
		prometheus prometheus-alertmanager
}

# apt_update waits for another helper's "apt-get update" (the lists lock has
# no timeout option) instead of failing.
apt_update() {
	local deadline=$((SECONDS + 1200))
	until apt-get -o DPkg::Lock::Timeout=1200 update; do
		[ $SECONDS -lt $deadline ] || { log "apt-get update kept failing"; return 1; }
		sleep 3
	done
}


pid_alive() { # pidfile expected-substring
	local f="$1" want="$2" pid
	[ -f "$f" ] || return 1
	pid="$(cat "$f")"
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$want" || return 1
	# a zombie is not running
	! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null
}

kill_pidfile() { # pidfile expected-substring
	local f="$1" want="$2" pid i
	[ -f "$f" ] || return 0
	pid="$(cat "$f")"
	if pid_alive "$f" "$want"; then
		kill "$pid" 2>/dev/null || true
		for i in $(seq 1 50); do
			pid_alive "$f" "$want" || break
			sleep 0.1
		done
		pid_alive "$f" "$want" && kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
}

fail() {
	log "FAILED: $*"
	for f in "$RUN"/*.log; do
		[ -f "$f" ] || continue
		echo "---- tail of $f ----" >&2
		tail -n 40 "$f" >&2
	done
	exit 1
}

# wait_http URL SECONDS
wait_http() {
	local url="$1" deadline=$((SECONDS + $2))
	until curl -fsS -o /dev/null "$url" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.2
	done
}

scrape_config() {
	local h
	cat <<YAML
global:
  scrape_interval: 15s
  evaluation_interval: 15s
  external_labels: {}
rule_files:
  - $HERE/prometheus/rules.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['$AM_ADDR']
scrape_configs:
  - job_name: node
    static_configs:
YAML
	for h in control01 control02 control03 compute01 compute02 compute03 compute04 compute05 compute06; do
		cat <<YAML
      - targets: ['$EXPORTER_ADDR']
        labels: {instance: '$h:9100', __metrics_path__: /metrics/node/$h}
YAML
	done
	cat <<YAML
  - job_name: haproxy
    static_configs:
YAML
	for h in control01 control02 control03; do
		cat <<YAML
      - targets: ['$EXPORTER_ADDR']
        labels: {instance: '$h:9101', __metrics_path__: /metrics/haproxy/$h}
YAML
	done
	cat <<YAML
  - job_name: openstack
    static_configs:
      - targets: ['$EXPORTER_ADDR']
        labels: {instance: 'control01:9198', __metrics_path__: /metrics/openstack}
  - job_name: ceph
    static_configs:
      - targets: ['$EXPORTER_ADDR']
        labels: {instance: 'control01:9283', __metrics_path__: /metrics/ceph}
YAML
}

start() {
	command -v prometheus >/dev/null || fail "prometheus not installed: run $0 install"
	mkdir -p "$RUN"
	if pid_alive "$RUN/prometheus.pid" prometheus && pid_alive "$RUN/exporter.pid" exporter &&
		curl -fsS -o /dev/null "http://$PROM_ADDR/-/ready" 2>/dev/null; then
		log "already running on $PROM_ADDR"
		write_env
		return 0
	fi
	stop
	local t0 down
	t0=$(date +%s)
	down=$((t0 - 40 * 60)) # compute04 lost power 40 minutes ago
	echo "$t0 $down" >"$RUN/story"
	log "building the exporter"
	(cd "$ROOT" && go build -o "$RUN/exporter" ./testenv/exporter) >"$RUN/build.log" 2>&1 || fail "go build testenv/exporter"
	log "backfilling ${HOURS}h of the story"
	"$RUN/exporter" -backfill "$RUN/backfill.om" -end "$t0" -hours "$HOURS" -step 30s -down-since "$down" >"$RUN/backfill.log" 2>&1 ||
		fail "writing the backfill"
	rm -rf "$RUN/data"
	promtool tsdb create-blocks-from openmetrics "$RUN/backfill.om" "$RUN/data" >"$RUN/promtool.log" 2>&1 ||
		fail "promtool tsdb create-blocks-from openmetrics"
	rm -f "$RUN/backfill.om"
	setsid "$RUN/exporter" -listen "$EXPORTER_ADDR" -down-since "$down" >"$RUN/exporter.log" 2>&1 </dev/null &
	echo $! >"$RUN/exporter.pid"
	scrape_config >"$RUN/prometheus.yml"
	setsid prometheus --config.file="$RUN/prometheus.yml" --storage.tsdb.path="$RUN/data" \
		--storage.tsdb.retention.time=30d --web.listen-address="$PROM_ADDR" \
		--web.external-url="http://$PROM_ADDR/" --rules.alert.for-grace-period=1m \
		--web.console.templates=/dev/null --web.console.libraries=/dev/null \
		>"$RUN/prometheus.log" 2>&1 </dev/null &
	echo $! >"$RUN/prometheus.pid"
	wait_http "http://$EXPORTER_ADDR/metrics/ceph" 30 || fail "exporter not answering on $EXPORTER_ADDR"
	wait_http "http://$PROM_ADDR/-/ready" 60 || fail "prometheus not ready on $PROM_ADDR"
	# Ours, not a stale daemon on the same port.
	pid_alive "$RUN/exporter.pid" exporter || fail "exporter exited (is $EXPORTER_ADDR in use?)"
	pid_alive "$RUN/prometheus.pid" prometheus || fail "prometheus exited (is $PROM_ADDR in use?)"
	# Wait for the first scrape of every node target (live data joined).
	local deadline=$((SECONDS + 90)) n=0
	until [ "$n" = 9 ]; do
		n=$(curl -fsS "http://$PROM_ADDR/api/v1/query" --data-urlencode 'query=count(up{job="node"} and (time() - timestamp(up{job="node"})) < 60)' 2>/dev/null |
			sed -n 's/.*"value":\[[^,]*,"\([0-9]*\)"\].*/\1/p')
		[ $SECONDS -lt $deadline ] || fail "node targets not scraped (have ${n:-0}/9)"
		[ "$n" = 9 ] || sleep 1
	done
	write_env
	log "ready: http://$PROM_ADDR (compute04 down since $(date -u -d @"$down" +%H:%M:%SZ))"
}

write_env() {
	local down=""
	[ -f "$RUN/story" ] && down="$(cut -d' ' -f2 "$RUN/story")"
	cat >"$ENVFILE" <<ENV
export STACKPIT_TEST_PROMETHEUS_URL=http://$PROM_ADDR
export STACKPIT_TEST_PROMETHEUS_DOWN_HOST=compute04
export STACKPIT_TEST_PROMETHEUS_DOWN_SINCE=$down
ENV
}

stop() {
	kill_pidfile "$RUN/prometheus.pid" prometheus
	kill_pidfile "$RUN/exporter.pid" exporter
	rm -f "$ENVFILE"
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop ;;
*) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
