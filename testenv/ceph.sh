#!/usr/bin/env bash
# testenv/ceph.sh install|start|stop|status
# Single-node Ceph 16 (Debian) for stackpit's integration tests:
# 1 mon, 1 mgr (dashboard over HTTP 127.0.0.1:8080, SSL off), 3 BlueStore OSDs on
# 10 GiB sparse files under CRUSH hosts compute01..03, pools volumes/vms/images/backups.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN="$HERE/run/ceph"
ENVFILE="$HERE/run/ceph.env"
CONF="$RUN/ceph.conf"
PKGS="ceph-mon ceph-mgr ceph-osd ceph-common ceph-mgr-dashboard"

log() { echo "ceph.sh: $*" >&2; }

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

case "${1:-}" in
install) install ;;
*) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
