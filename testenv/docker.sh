#!/usr/bin/env bash
# A real Docker engine (Debian's docker.io) on a private socket for the
# containers integration tests: no bridge, no iptables, host networking as
# Kolla uses; a busybox image imported from busybox-static (no registry);
# Kolla-named containers with healthchecks.
#   testenv/docker.sh install|start|stop
set -euo pipefail
cd "$(dirname "$0")/.."
RUN="$PWD/testenv/run/docker"
SOCK="/run/stackpit-docker/docker.sock"
ENVF="$PWD/testenv/run/docker.env"

install() {
  if command -v dockerd >/dev/null && [ -x /bin/busybox ]; then return 0; fi
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get -o DPkg::Lock::Timeout=1200 install -y -qq --no-install-recommends docker.io busybox-static >/dev/null
}

dk() { docker -H "unix://$SOCK" "$@"; }

start() {
  mkdir -p "$RUN" /run/stackpit-docker
  if [ -f "$RUN/dockerd.pid" ] && kill -0 "$(cat "$RUN/dockerd.pid")" 2>/dev/null; then
    echo "dockerd already running"; else
    setsid dockerd --host "unix://$SOCK" --data-root "$RUN/data" --exec-root /run/stackpit-docker/exec \
      --pidfile "$RUN/dockerd.pidfile" --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
      >"$RUN/dockerd.log" 2>&1 < /dev/null &
    echo $! > "$RUN/dockerd.pid"
  fi
  for _ in $(seq 1 100); do dk version >/dev/null 2>&1 && break; sleep 0.2; done
  if ! dk version >/dev/null 2>&1; then echo "dockerd did not start:"; tail -30 "$RUN/dockerd.log"; exit 1; fi
  if ! dk image inspect lab/busybox:1.35 >/dev/null 2>&1; then
    root=$(mktemp -d); mkdir -p "$root/bin"
    cp /bin/busybox "$root/bin/busybox"
    for c in sh sleep date echo test cat; do ln -s busybox "$root/bin/$c"; done
    tar -C "$root" -c . | dk import - lab/busybox:1.35 >/dev/null
    rm -rf "$root"
  fi
  for name in nova_compute neutron_openvswitch_agent fluentd; do
    dk rm -f "$name" >/dev/null 2>&1 || true
    svc=${name//_/-}
    dk run -d --name "$name" --network host --restart unless-stopped \
      --health-cmd 'test -d /proc/1' --health-interval 2s --health-retries 3 \
      -e KOLLA_SERVICE_NAME="$svc" lab/busybox:1.35 sh -c \
      'trap "echo \"$(date -u +%FT%T) INFO $KOLLA_SERVICE_NAME: caught SIGTERM, stopping\"; exit 0" TERM
       echo "$(date -u +%FT%T) INFO $KOLLA_SERVICE_NAME: starting (pid $$)"
       i=0; while true; do i=$((i+1)); echo "$(date -u +%FT%T) INFO $KOLLA_SERVICE_NAME: heartbeat $i"; sleep 1; done' >/dev/null
  done
  # a container that ignores SIGTERM: restart takes the stop timeout
  dk rm -f stubborn >/dev/null 2>&1 || true
  dk run -d --name stubborn --network host lab/busybox:1.35 sh -c 'trap "" TERM; while true; do sleep 1; done' >/dev/null
  for _ in $(seq 1 50); do
    [ "$(dk inspect -f '{{.State.Health.Status}}' nova_compute)" = healthy ] && break; sleep 0.2
  done
  echo "export STACKPIT_TEST_DOCKER_SOCK=$SOCK" > "$ENVF"
  echo "docker ready on $SOCK"
}

stop() {
  [ -f "$RUN/dockerd.pid" ] || return 0
  pid=$(cat "$RUN/dockerd.pid")
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "dockerd --host unix://$SOCK"; then
    dk rm -f nova_compute neutron_openvswitch_agent fluentd stubborn >/dev/null 2>&1 || true
    kill "$pid"; for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$RUN/dockerd.pid" "$ENVF"
}

case "${1:-}" in
  install) install ;; start) start ;; stop) stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
