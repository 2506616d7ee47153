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


case "${1:-}" in
install) install ;;
*) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
