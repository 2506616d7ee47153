#!/usr/bin/env bash
# testenv/ceph.sh install|start|stop|status|stop-osd N|start-osd N
#
# Single-node Ceph 16 (Debian packages) for stackpit's integration tests:
# 1 mon (a), 1 mgr (x) with the dashboard over HTTP on 127.0.0.1:$CEPH_DASHBOARD_PORT
# (SSL off) and the prometheus module on 127.0.0.1:$CEPH_METRICS_PORT,
# 3 BlueStore OSDs on 10 GiB sparse files under CRUSH hosts compute01..03
# (each daemon runs under `unshare --uts` with its own hostname so OSD
# metadata carries real host names), pools volumes/vms/images/backups.
# Daemons run as plain processes (setsid, no systemd); data, logs and pid
# files live under testenv/run/ceph/. `start` writes testenv/run/ceph.env.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN="$HERE/run/ceph"
ENVFILE="$HERE/run/ceph.env"
CONF="$RUN/ceph.conf"
PIDS="$RUN/pids"
LOGS="$RUN/log"
PKGS="ceph-mon ceph-mgr ceph-osd ceph-common ceph-mgr-dashboard"
DASH_PORT="${CEPH_DASHBOARD_PORT:-8080}"
METRICS_PORT="${CEPH_METRICS_PORT:-9283}"
DASH_USER=admin
DASH_PASS='Stackpit-Ceph-2026!'
RO_USER=viewer
RO_PASS='Stackpit-View-2026!'
DEADLINE="${CEPH_START_DEADLINE:-300}"

log() { echo "ceph.sh: $(date +%H:%M:%S) $*" >&2; }

ceph_() { timeout 30 ceph -c "$CONF" --connect-timeout 10 "$@"; }

install() {
	local missing=""
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		log "already installed"
		return 0
	fi
	if [ ! -x /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
	fi
	# Refresh the package lists once per install (stale lists 404 on security updates).
	apt-get -o DPkg::Lock::Timeout=1200 update
	# Other installs may be mid-way (unpacked, not configured) when we plan
	# ours; apt then reports unmet dependencies. Retry a few times.
	local try
	for try in 1 2 3 4 5; do
		# shellcheck disable=SC2086
		if DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=1200 install -y --no-install-recommends $missing; then
			return 0
		fi
		log "apt-get install failed (attempt $try); retrying in 30s"
		sleep 30
	done
	log "apt-get install failed"
	return 1
}

write_conf() {
	local fsid="$1"
	cat >"$CONF" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:3300,v1:127.0.0.1:6789]
mon initial members = a
public network = 127.0.0.0/8
cluster network = 127.0.0.0/8
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
osd pool default size = 3
osd pool default min size = 2
osd crush chooseleaf type = 1
mon allow pool size one = true
mon data avail warn = 5
mon osd min down reporters = 1
mon osd reporter subtree level = osd
mon warn on pool no redundancy = true
mgr disabled modules = restful
run dir = $RUN/sock
crash dir = $RUN/crash
osd objectstore = bluestore
bluestore block create = true
bluestore block size = 10737418240
osd memory target = 939524096
bluestore cache autotune = false
bluestore cache size = 134217728

[mon]
mon data = $RUN/mon/ceph-\$id
keyring = $RUN/mon/ceph-\$id/keyring
log file = $LOGS/\$name.log
admin socket = $RUN/sock/\$name.asok
mon allow pool delete = true

[mgr]
mgr data = $RUN/mgr/ceph-\$id
keyring = $RUN/mgr/ceph-\$id/keyring
log file = $LOGS/\$name.log
admin socket = $RUN/sock/\$name.asok

[osd]
osd data = $RUN/osd/ceph-\$id
keyring = $RUN/osd/ceph-\$id/keyring
log file = $LOGS/\$name.log
admin socket = $RUN/sock/\$name.asok

[client]
keyring = $RUN/ceph.client.admin.keyring
log file = /dev/null
admin socket =
EOF
}

# spawn NAME HOSTNAME CMD...: start a daemon in its own session and UTS
# namespace; setsid/unshare/sh all exec, so $! is the daemon's PID.
# Without CAP_SYS_ADMIN (no `unshare --uts`) daemons keep the machine's
# hostname: CRUSH placement stays explicit (osd_crush_update_on_start off)
# and only metadata host names differ.
UTS=1
unshare --uts true 2>/dev/null || UTS=0

spawn() {
	local name="$1" host="$2"
	shift 2
	if [ "$UTS" = 1 ]; then
		setsid unshare --uts sh -c 'hostname "$0"; exec "$@"' "$host" "$@" \
			>"$LOGS/$name.out" 2>&1 </dev/null &
	else
		setsid "$@" >"$LOGS/$name.out" 2>&1 </dev/null &
	fi
	echo $! >"$PIDS/$name.pid"
}

alive() { # alive NAME: the saved PID runs a ceph daemon
	local f="$PIDS/$1.pid" pid
	[ -f "$f" ] || return 1
	pid="$(cat "$f")"
	[ -r "/proc/$pid/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "ceph-" || return 1
	# a zombie is not alive
	! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null
}

kill_daemon() { # kill_daemon NAME: TERM by saved PID (after checking cmdline), then KILL
	local f="$PIDS/$1.pid" pid i
	[ -f "$f" ] || return 0
	pid="$(cat "$f")"
	if alive "$1"; then
		kill -TERM "$pid" 2>/dev/null || true
		for i in $(seq 1 50); do
			alive "$1" || break
			sleep 0.2
		done
		if alive "$1"; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$f"
}

fail() {
	log "FAILED: $*"
	for f in "$LOGS"/*.log "$LOGS"/*.out; do
		[ -s "$f" ] || continue
		echo "---- tail $f" >&2
		tail -n 25 "$f" >&2
	done
	ceph_ -s >&2 2>&1 || true
	exit 1
}

wait_for() { # wait_for SECONDS DESCRIPTION CMD...
	local secs="$1" what="$2"
	shift 2
	local end=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || fail "timed out after ${secs}s waiting for $what"
		sleep 1
	done
}

osd_host() { echo "compute0$(($1 + 1))"; }

start_mon() { alive mon.a || spawn mon.a controller01 ceph-mon -f -c "$CONF" -i a; }
start_mgr() { alive mgr.x || spawn mgr.x controller01 ceph-mgr -f -c "$CONF" -i x; }
start_osd() { alive "osd.$1" || spawn "osd.$1" "$(osd_host "$1")" ceph-osd -f -c "$CONF" -i "$1"; }

osds_up() { # osds_up N: N OSDs up
	[ "$(ceph_ osd stat -f json | python3 -c 'import json,sys; print(json.load(sys.stdin)["num_up_osds"])')" = "$1" ]
}

pgs_clean() {
	ceph_ pg stat -f json | python3 -c '
import json,sys
d=json.load(sys.stdin)["pg_summary"]
st={s["name"]:s["num"] for s in d["num_pg_by_state"]}
sys.exit(0 if d["num_pgs"]>0 and st.get("active+clean",0)==d["num_pgs"] else 1)'
}

dashboard_up() {
	local code
	code="$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.ceph.api.v1.0+json' "http://127.0.0.1:$DASH_PORT/api/health/minimal")"
	[ "$code" = 401 ]
}

metrics_up() { curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" | grep -q '^ceph_health_status'; }

bootstrap() {
	log "bootstrapping a new cluster in $RUN"
	stop_daemons
	rm -rf "$RUN"
	mkdir -p "$RUN" "$PIDS" "$LOGS" "$RUN/sock" "$RUN/crash" "$RUN/mon/ceph-a" "$RUN/mgr/ceph-x"
	local fsid
	fsid="$(cat /proc/sys/kernel/random/uuid)"
	write_conf "$fsid"
	ceph-authtool --create-keyring "$RUN/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
	ceph-authtool --create-keyring "$RUN/ceph.client.admin.keyring" --gen-key -n client.admin \
		--cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
	ceph-authtool "$RUN/mon.keyring" --import-keyring "$RUN/ceph.client.admin.keyring" >/dev/null
	monmaptool --create --addv a '[v2:127.0.0.1:3300,v1:127.0.0.1:6789]' --fsid "$fsid" "$RUN/monmap" >/dev/null
	ceph-mon -c "$CONF" --mkfs -i a --monmap "$RUN/monmap" --keyring "$RUN/mon.keyring" >"$LOGS/mkfs-mon.out" 2>&1 ||
		fail "ceph-mon --mkfs"
	cp "$RUN/mon.keyring" "$RUN/mon/ceph-a/keyring"
	start_mon
	wait_for 60 "the monitor" ceph_ mon stat
	for kv in "mgr/dashboard/server_addr 127.0.0.1" "mgr/dashboard/server_port $DASH_PORT" \
		"mgr/dashboard/ssl false" "mgr/prometheus/server_addr 127.0.0.1" "mgr/prometheus/server_port $METRICS_PORT"; do
		# shellcheck disable=SC2086
		ceph_ config set mgr $kv --force >/dev/null
	done
	ceph_ config set mon mon_osd_down_out_interval 600 >/dev/null
	[ "$UTS" = 1 ] || ceph_ config set osd osd_crush_update_on_start false >/dev/null
	ceph_ auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' >"$RUN/mgr/ceph-x/keyring"
	start_mgr
	for i in 0 1 2; do
		local d="$RUN/osd/ceph-$i" uuid id
		mkdir -p "$d"
		uuid="$(cat /proc/sys/kernel/random/uuid)"
		id="$(ceph_ osd create "$uuid")"
		[ "$id" = "$i" ] || fail "osd create gave id $id, want $i"
		# mkfs does not write a BlueStore OSD's keyring: make it first.
		ceph-authtool --create-keyring "$d/keyring" --gen-key -n "osd.$i" >/dev/null
		ceph_ auth add "osd.$i" osd 'allow *' mon 'allow profile osd' mgr 'allow profile osd' -i "$d/keyring" >/dev/null
		ceph-osd -c "$CONF" -i "$i" --mkfs --osd-uuid "$uuid" >"$LOGS/mkfs-osd.$i.out" 2>&1 || fail "ceph-osd --mkfs $i"
		ceph_ osd crush add-bucket "$(osd_host "$i")" host >/dev/null
		ceph_ osd crush move "$(osd_host "$i")" root=default >/dev/null
		ceph_ osd crush add "osd.$i" 0.0098 host="$(osd_host "$i")" >/dev/null
		start_osd "$i"
	done
	wait_for 120 "3 OSDs up" osds_up 3
	wait_for 90 "the mgr" ceph_ mgr stat
	ceph_ mgr module enable dashboard --force >/dev/null 2>&1 || ceph_ mgr module enable dashboard >/dev/null
	ceph_ mgr module enable prometheus --force >/dev/null 2>&1 || ceph_ mgr module enable prometheus >/dev/null
	for p in volumes vms images backups; do
		ceph_ osd pool create "$p" 16 16 >/dev/null
		ceph_ osd pool application enable "$p" rbd >/dev/null
	done
	wait_for 120 "the dashboard on :$DASH_PORT" dashboard_up
	printf '%s' "$DASH_PASS" >"$RUN/dash.pw"
	printf '%s' "$RO_PASS" >"$RUN/dash-ro.pw"
	ceph_ dashboard ac-user-create "$DASH_USER" -i "$RUN/dash.pw" administrator --force-password >/dev/null ||
		fail "dashboard user"
	ceph_ dashboard ac-user-create "$RO_USER" -i "$RUN/dash-ro.pw" read-only --force-password >/dev/null ||
		fail "dashboard read-only user"
	rm -f "$RUN/dash.pw" "$RUN/dash-ro.pw"
	touch "$RUN/bootstrapped"
}

write_env() {
	mkdir -p "$(dirname "$ENVFILE")"
	cat >"$ENVFILE" <<EOF
export STACKPIT_TEST_CEPH_URL=http://127.0.0.1:$DASH_PORT
export STACKPIT_TEST_CEPH_USER=$DASH_USER
export STACKPIT_TEST_CEPH_PASSWORD='$DASH_PASS'
export STACKPIT_TEST_CEPH_RO_USER=$RO_USER
export STACKPIT_TEST_CEPH_RO_PASSWORD='$RO_PASS'
export STACKPIT_TEST_CEPH_METRICS_URL=http://127.0.0.1:$METRICS_PORT/metrics
export STACKPIT_TEST_CEPH_CONF=$CONF
export STACKPIT_TEST_CEPH_SCRIPT=$HERE/ceph.sh
export STACKPIT_TEST_CEPH_HOSTNAMES=$UTS
EOF
}

start() {
	command -v ceph-mon >/dev/null || { log "ceph is not installed: run $0 install"; exit 1; }
	local t0=$SECONDS
	if [ -f "$RUN/bootstrapped" ]; then
		log "warm start"
		mkdir -p "$PIDS" "$LOGS" "$RUN/sock"
		start_mon
		wait_for 60 "the monitor" ceph_ mon stat
		start_mgr
		for i in 0 1 2; do start_osd "$i"; done
		wait_for 120 "3 OSDs up" osds_up 3
	else
		bootstrap
	fi
	# A previous test run may have left noout set or an OSD out.
	ceph_ osd unset noout >/dev/null 2>&1 || true
	for i in 0 1 2; do ceph_ osd in "$i" >/dev/null 2>&1 || true; done
	wait_for 120 "the dashboard on :$DASH_PORT" dashboard_up
	wait_for 120 "the prometheus module on :$METRICS_PORT" metrics_up
	wait_for "$DEADLINE" "all PGs active+clean" pgs_clean
	write_env
	log "ready in $((SECONDS - t0))s: $(ceph_ health 2>/dev/null)"
}

stop_daemons() {
	for n in osd.0 osd.1 osd.2 mgr.x mon.a; do kill_daemon "$n"; done
}

stop() {
	stop_daemons
	rm -f "$ENVFILE"
	log "stopped"
}

status() {
	for n in mon.a mgr.x osd.0 osd.1 osd.2; do
		if alive "$n"; then echo "$n running (pid $(cat "$PIDS/$n.pid"))"; else echo "$n stopped"; fi
	done
	ceph_ -s 2>/dev/null || true
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop ;;
status) status ;;
stop-osd) kill_daemon "osd.${2:?osd id}" ;;
start-osd)
	start_osd "${2:?osd id}"
	wait_for 120 "osd.$2 up" osds_up 3
	;;
*)
	echo "usage: $0 install|start|stop|status|stop-osd N|start-osd N" >&2
	exit 2
	;;
esac
