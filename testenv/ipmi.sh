#!/usr/bin/env bash
# Real IPMI LAN BMCs for the BMC integration tests: one ipmi_sim (Debian's
# openipmi, a BMC simulator speaking IPMI 1.5/2.0 over UDP) per test host on
# 127.0.0.1, each with a chassis_control hook that keeps the host's power in
# a file and logs every power command. ipmitool (Debian's) is the client.
#   testenv/ipmi.sh install   apt-get install openipmi ipmitool (idempotent)
#   testenv/ipmi.sh start     one ipmi_sim per host, fresh state, power on
#   testenv/ipmi.sh stop      stop what start started (by saved PID only)
# start writes testenv/run/ipmi.env:
#   STACKPIT_TEST_IPMI_HOSTS     "compute01=127.0.0.1:16231 compute02=127.0.0.1:16232"
#   STACKPIT_TEST_IPMI_USER, STACKPIT_TEST_IPMI_PASSWORD
#   STACKPIT_TEST_IPMI_DIR       holds <host>/power (1 on, 0 off) and <host>/power.log
# A host whose directory holds an executable on-power-off (on-power-on) has
# it run after the power changes. With STACKPIT_IPMI_NOVA_CTL set to
# testenv/openstack.sh, start writes them for the OpenStack env's computes:
# power off kills that host's nova-compute at once (SIGKILL, by its pid
# file: a power loss), power on starts it again in the background (a boot)
# unless <host>/no-boot exists (a host that powers on and never comes up).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN="$PWD/testenv/run/ipmi"
ENVF="$PWD/testenv/run/ipmi.env"
HOSTS=(${STACKPIT_IPMI_HOSTS:-compute01 compute02})
BASE_PORT="${STACKPIT_IPMI_BASE_PORT:-16230}"
USER_NAME=stackpit
PASSWORD=ipmi-test-secret

log() { echo "ipmi.sh: $*" >&2; }

install() {
  if command -v ipmi_sim >/dev/null && command -v ipmitool >/dev/null; then return 0; fi
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=1200 update -qq
  apt-get -o DPkg::Lock::Timeout=1200 install -y -qq --no-install-recommends openipmi ipmitool >/dev/null
  command -v ipmi_sim >/dev/null && command -v ipmitool >/dev/null
}

# The hook ipmi_sim runs for chassis control:
#   hook <device> get power          -> prints "power:1" or "power:0"
#   hook <device> set power 0|1 ...  -> prints nothing on success
write_hook() { # dir
  cat > "$1/hook.sh" <<'EOF'
#!/bin/sh
dir=$(cd "$(dirname "$0")" && pwd)
shift # the device address (0x20)
op=$1; shift
case $op in
get)
  for p in "$@"; do
    case $p in
      power) echo "power:$(cat "$dir/power")" ;;
      boot) echo "boot:default" ;;
      *) echo "unsupported parameter $p"; exit 1 ;;
    esac
  done ;;
set)
  while [ $# -ge 2 ]; do
    case $1 in
      power)
        echo "$2" > "$dir/power.tmp" && mv "$dir/power.tmp" "$dir/power"
        echo "$(date -u +%FT%T) set power $2" >> "$dir/power.log"
        if [ "$2" = 0 ] && [ -x "$dir/on-power-off" ]; then "$dir/on-power-off" >> "$dir/hook.out" 2>&1; fi
        if [ "$2" = 1 ] && [ -x "$dir/on-power-on" ]; then "$dir/on-power-on" >> "$dir/hook.out" 2>&1; fi ;;
      *) echo "$(date -u +%FT%T) set $1 $2 (ignored)" >> "$dir/power.log" ;;
    esac
    shift 2
  done ;;
*) echo "unknown operation $op"; exit 1 ;;
esac
EOF
  chmod +x "$1/hook.sh"
}

# lan.conf: one LAN channel on 127.0.0.1:port, RMCP+ (lanplus) with an
# admin user; chassis control through the hook. sim.emu: the BMC itself.
write_conf() { # host dir port
  cat > "$2/lan.conf" <<EOF
name "$1"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 $3
    priv_limit admin
    allowed_auths_callback md5
    allowed_auths_user md5
    allowed_auths_operator md5
    allowed_auths_admin md5
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "$2/hook.sh 0x20"
  user 1 false "" "unused" user 1 md5
  user 2 true "$USER_NAME" "$PASSWORD" admin 10 md5
EOF
  cat > "$2/sim.emu" <<'EOF'
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 0x09 0x08 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
EOF
}

# The OpenStack env's power hooks for host (its nova-compute is
# nova-<host> in openstack.sh). Without STACKPIT_IPMI_NOVA_CTL: none, so a
# restart without it leaves no stale hook behind.
write_nova_hooks() { # host dir
  rm -f "$2/on-power-off" "$2/on-power-on" "$2/no-boot"
  local ctl=${STACKPIT_IPMI_NOVA_CTL:-}
  [ -n "$ctl" ] || return 0
  case $1 in compute01 | compute02) ;; *) return 0 ;; esac
  cat > "$2/on-power-off" <<EOF
#!/bin/sh
# Power lost: nova-compute dies with the host, no shutdown. (Synchronous:
# done when the BMC answers; a SIGKILL takes milliseconds.)
exec "$ctl" crash nova-$1
EOF
  cat > "$2/on-power-on" <<EOF
#!/bin/sh
# Powered on: the host boots and starts nova-compute, in the background
# (the BMC answers at once, as a real one does). no-boot: it never comes
# up. KEEP: a failed start must not take the rest of the cloud down.
dir=\$(cd "\$(dirname "\$0")" && pwd)
[ -e "\$dir/no-boot" ] && { echo "\$(date -u +%FT%T) no-boot: nova-$1 not started"; exit 0; }
STACKPIT_OPENSTACK_KEEP=1 setsid "$ctl" revive nova-$1 >> "\$dir/boot.log" 2>&1 < /dev/null &
EOF
  chmod +x "$2/on-power-off" "$2/on-power-on"
}

ipmi() { # port args...
  local port=$1; shift
  IPMI_PASSWORD="$PASSWORD" ipmitool -I lanplus -H 127.0.0.1 -p "$port" -U "$USER_NAME" -E -C 3 -N 1 -R 1 "$@"
}

alive() { # pidfile conf
  [ -f "$1" ] || return 1
  local pid; pid=$(cat "$1")
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "ipmi_sim -n -c $2"
}

start() {
  mkdir -p "$RUN"
  local hosts="" i=0
  for h in "${HOSTS[@]}"; do
    i=$((i+1))
    local dir="$RUN/$h" port=$((BASE_PORT+i))
    mkdir -p "$dir/state"
    write_hook "$dir"
    write_conf "$h" "$dir" "$port"
    write_nova_hooks "$h" "$dir"
    echo 1 > "$dir/power"
    : > "$dir/power.log"
    if alive "$dir/ipmi_sim.pid" "$dir/lan.conf"; then
      log "$h: ipmi_sim already running"
    else
      if ss -Huln "sport = :$port" | grep -q .; then log "UDP port $port is taken"; exit 1; fi
      rm -rf "$dir/state"; mkdir -p "$dir/state"
      setsid ipmi_sim -n -c "$dir/lan.conf" -f "$dir/sim.emu" -s "$dir/state" \
        > "$dir/ipmi_sim.log" 2>&1 < /dev/null &
      echo $! > "$dir/ipmi_sim.pid"
    fi
    local ok=0
    for _ in $(seq 1 50); do
      if ipmi "$port" chassis power status 2>/dev/null | grep -q "Chassis Power is on"; then ok=1; break; fi
      sleep 0.2
    done
    if [ $ok != 1 ]; then log "$h: ipmi_sim on 127.0.0.1:$port did not answer:"; tail -20 "$dir/ipmi_sim.log" >&2; exit 1; fi
    hosts="$hosts $h=127.0.0.1:$port"
  done
  {
    echo "export STACKPIT_TEST_IPMI_HOSTS='${hosts# }'"
    echo "export STACKPIT_TEST_IPMI_USER=$USER_NAME"
    echo "export STACKPIT_TEST_IPMI_PASSWORD=$PASSWORD"
    echo "export STACKPIT_TEST_IPMI_DIR=$RUN"
  } > "$ENVF"
  echo "ipmi_sim ready:${hosts}"
}

stop() {
  for h in "${HOSTS[@]}"; do
    local dir="$RUN/$h"
    [ -f "$dir/ipmi_sim.pid" ] || continue
    if alive "$dir/ipmi_sim.pid" "$dir/lan.conf"; then
      local pid; pid=$(cat "$dir/ipmi_sim.pid")
      kill "$pid"; for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$dir/ipmi_sim.pid"
  done
  rm -f "$ENVF"
}

case "${1:-}" in
  install) install ;; start) start ;; stop) stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
