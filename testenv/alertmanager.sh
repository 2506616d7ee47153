#!/usr/bin/env bash
# Real Alertmanager (Debian prometheus-alertmanager 0.25) for stackpit
# integration tests.
#   testenv/alertmanager.sh install   apt-get install prometheus-alertmanager (idempotent)
#   testenv/alertmanager.sh start     start it on 127.0.0.1:19093, clustering off,
#                                     fresh storage under testenv/run/alertmanager/
#   testenv/alertmanager.sh stop      stop what start started (by saved PID only)
# start writes testenv/run/alertmanager.env (STACKPIT_TEST_ALERTMANAGER_URL).
# testenv/prometheus.sh sends the backfilled story's alerts to this address.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
RUN="$HERE/run/alertmanager"
ENVFILE="$HERE/run/alertmanager.env"
AM_ADDR="${STACKPIT_AM_ADDR:-127.0.0.1:19093}"
BIN=/usr/bin/prometheus-alertmanager

log() { echo "alertmanager.sh: $*" >&2; }

install() {
	if [ -x "$BIN" ]; then
		log "already installed: $("$BIN" --version 2>&1 | head -1)"
		return 0
	fi
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	if ! apt_install; then
		apt_update
		apt_install
	fi
	[ -x "$BIN" ] || { log "install did not provide $BIN"; exit 1; }
}

apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=1200 install -y --no-install-recommends \
		prometheus-alertmanager
}

# apt_update waits for another helper's "apt-get update" instead of failing.
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
	! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null
}

fail() {
	log "FAILED: $*"
	if [ -f "$RUN/alertmanager.log" ]; then
		echo "---- tail of $RUN/alertmanager.log ----" >&2
		tail -n 40 "$RUN/alertmanager.log" >&2
	fi
	exit 1
}

ready() { curl -fsS -o /dev/null "http://$AM_ADDR/-/ready" 2>/dev/null; }

config() {
	cat <<'YAML'
# Same routing and inhibition as the captured samples: critical alerts page
# on-call, HostDown inhibits the warnings of the host it takes down.
global:
  resolve_timeout: 5m
route:
  receiver: default
  group_by: [alertname]
  group_wait: 10s
  group_interval: 1m
  repeat_interval: 4h
  routes:
    - receiver: oncall-critical
      matchers: ['severity="critical"']
inhibit_rules:
  - source_matchers: ['alertname="HostDown"']
    target_matchers: ['severity="warning"']
    equal: [host]
receivers:
  - name: default
  - name: oncall-critical
YAML
}

start() {
	[ -x "$BIN" ] || fail "$BIN not installed: run $0 install"
	mkdir -p "$RUN"
	if pid_alive "$RUN/alertmanager.pid" prometheus-alertmanager && ready; then
		log "already running on $AM_ADDR"
		write_env
		return 0
	fi
	stop
	rm -rf "$RUN/data"
	mkdir -p "$RUN/data"
	config >"$RUN/alertmanager.yml"
	setsid "$BIN" --config.file="$RUN/alertmanager.yml" --storage.path="$RUN/data" \
		--web.listen-address="$AM_ADDR" --web.external-url="http://$AM_ADDR/" \
		--cluster.listen-address= --log.level=info \
		>"$RUN/alertmanager.log" 2>&1 </dev/null &
	echo $! >"$RUN/alertmanager.pid"
	local deadline=$((SECONDS + 30))
	until ready; do
		pid_alive "$RUN/alertmanager.pid" prometheus-alertmanager || fail "alertmanager exited"
		[ $SECONDS -lt $deadline ] || fail "alertmanager not ready on $AM_ADDR after 30s"
		sleep 0.2
	done
	write_env
	log "ready: http://$AM_ADDR"
}

write_env() {
	cat >"$ENVFILE" <<ENV
export STACKPIT_TEST_ALERTMANAGER_URL=http://$AM_ADDR
ENV
}

stop() {
	local f="$RUN/alertmanager.pid" pid i
	if [ -f "$f" ]; then
		pid="$(cat "$f")"
		if pid_alive "$f" prometheus-alertmanager; then
			kill "$pid" 2>/dev/null || true
			for i in $(seq 1 50); do
				pid_alive "$f" prometheus-alertmanager || break
				sleep 0.1
			done
			pid_alive "$f" prometheus-alertmanager && kill -9 "$pid" 2>/dev/null || true
		fi
		rm -f "$f"
	fi
	rm -f "$ENVFILE"
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop ;;
*) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
