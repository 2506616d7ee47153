#!/bin/bash
# testenv/openstack.sh install|start|stop|status|restart-compute HOST|kill DAEMON|revive DAEMON|crash DAEMON
#
# A real OpenStack Zed control plane from Debian 12 packages on loopback, for
# stackpit's integration tests (facts in ../shared/notes/real-servers.md):
# MariaDB, RabbitMQ, Keystone (uwsgi), Glance, Placement (uwsgi), Nova
# api/conductor/scheduler + two fake-driver computes compute01/compute02,
# Neutron server + DHCP/metadata agents (ML2, no dataplane), Cinder
# api/scheduler/volume (fake driver). `start` always builds a fresh cloud,
# seeds a fixture (image, flavors, projects alpha/beta, 10 servers) and writes
# testenv/run/openstack.env + testenv/run/openstack/clouds.yaml.
# Daemons: setsid, pid files in testenv/run/openstack/pids, logs in
# testenv/run/openstack/logs, everything bound to 127.0.0.1.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN=$HERE/run/openstack
ETC=$RUN/etc
LOGS=$RUN/logs
PIDS=$RUN/pids
ENVFILE=$HERE/run/openstack.env
HOSTIP=127.0.0.1
ADMIN_PW=stackpit-admin
SVC_PW=stackpit-service
READER_PW=stackpit-reader
DBPW=stackpit-db
DB="mysql+pymysql://stackpit:$DBPW@$HOSTIP:3306"
TRANSPORT="rabbit://guest:guest@$HOSTIP:5672/"
CINDER_DRIVER=cinder.tests.fake_driver.FakeLoggingVolumeDriver
DEADLINE=${STACKPIT_OPENSTACK_DEADLINE:-900} # whole start, seconds
# The database syncs other than Keystone's (the critical path: everything
# waits for its catalog) start at a lower CPU priority; they get it back as
# soon as Keystone is set up (boost).
LOW=${STACKPIT_OPENSTACK_LOW-nice -n 10}
# Debian's python and tools first: another python3 in PATH breaks the services.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PYTHONDONTWRITEBYTECODE=1 PYTHONWARNINGS=ignore
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV OS_CLOUD

PACKAGES=(mariadb-server python3-pymysql rabbitmq-server uwsgi-core uwsgi-plugin-python3
  keystone glance-api placement-api nova-api nova-conductor nova-scheduler
  neutron-server neutron-dhcp-agent neutron-metadata-agent cinder-api cinder-scheduler
  python3-openstackclient python3-novaclient python3-fixtures curl procps)

T0=$(date +%s)
MAIN_PID=$$
say() {
  local line
  line=$(printf '[openstack %4ss] %s' "$(($(date +%s) - T0))" "$*")
  echo "$line"
  if [ -d "$LOGS" ]; then echo "$line" >>"$LOGS/timings.txt"; fi
}

# ---------------------------------------------------------------- install
cmd_install() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then say "packages already installed"; return 0; fi
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  # A private archive directory: the image's docker-clean hook deletes
  # /var/cache/apt/archives/*.deb after every dpkg run, including other
  # suites' concurrent installs, which would pull our downloads from under us.
  local arch=/var/cache/apt/archives-stackpit-openstack
  mkdir -p "$arch/partial"
  local opts=(-o DPkg::Lock::Timeout=1200 -o Dir::Cache::Archives="$arch/"
    -o Dpkg::Options::=--force-unsafe-io -o Dpkg::Options::=--force-confdef
    -o Dpkg::Options::=--force-confold)
  apt-get "${opts[@]}" update -qq
  local try
  for try in 1 2 3; do
    if DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" install -y \
      --no-install-recommends "${missing[@]}"; then
      rm -rf "$arch"; say "installed ${#missing[@]} packages"; return 0
    fi
    echo "openstack: apt-get install failed (try $try), repairing and retrying" >&2
    DEBIAN_FRONTEND=noninteractive dpkg --configure -a --force-confdef --force-confold || true
    DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" install -y -f --no-install-recommends || true
  done
  return 1
}

# ---------------------------------------------------------------- helpers
log_tail() { # NAME [LINES]
  local f=$LOGS/$1.log
  if [ -f "$f" ]; then
    echo "----- last ${2:-40} lines of $f -----" >&2
    tail -n "${2:-40}" "$f" | cut -c1-400 >&2
    echo "-----" >&2
  fi
}

die() { # MSG [LOGNAME...]
  local msg=$1; shift
  echo "openstack: FAILED after $(($(date +%s) - T0))s: $msg" >&2
  local n
  for n in "$@"; do log_tail "$n" 60; done
  # Any daemon that died on the way is the likely culprit.
  for f in "$PIDS"/*.pid; do
    [ -f "$f" ] || continue
    n=$(basename "$f" .pid)
    if ! alive "$n"; then echo "openstack: daemon $n is not running" >&2; log_tail "$n" 30; fi
  done
  if [ "$BASHPID" = "$MAIN_PID" ]; then
    # The main script: stop the set-up steps still running, then the
    # daemons (keep them for debugging with STACKPIT_OPENSTACK_KEEP=1).
    local s
    for s in "${STEPS[@]}"; do kill "$s" 2>/dev/null || true; done
    if [ "${STACKPIT_OPENSTACK_KEEP:-}" = 1 ]; then
      echo "openstack: daemons left running; logs in $LOGS; stop with: $0 stop" >&2
    else
      sleep 1
      cmd_stop >&2 || true
      echo "openstack: daemons stopped; logs kept in $LOGS" >&2
    fi
  fi
  exit 1
}

left() { echo $((T0 + DEADLINE - $(date +%s))); }

# daemon NAME MARKER CMD... : setsid CMD, log to logs/NAME.log, pid file
# holding "PID MARKER". The pid is also the process group (setsid); stop
# only signals that group while a live member carries MARKER in its cmdline.
daemon() {
  local name=$1 marker=$2; shift 2
  setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo "$! $marker" >"$PIDS/$name.pid"
}

alive() { group_of "$1" >/dev/null; }

# wait_for WHAT SECONDS DAEMON CMD... : poll CMD until it succeeds; fail fast
# when DAEMON (may be "-") died, or at the deadline.
wait_for() {
  local what=$1 secs=$2 d=$3; shift 3
  local end=$(($(date +%s) + secs)) l
  l=$(left); [ "$l" -lt "$secs" ] && end=$(($(date +%s) + l))
  until "$@" >/dev/null 2>&1; do
    # (a daemon without a pid file has not been started yet)
    if [ "$d" != - ] && [ -f "$PIDS/$d.pid" ] && ! alive "$d"; then die "$d exited while waiting for $what" "$d"; fi
    [ "$(date +%s)" -lt "$end" ] || die "timed out waiting for $what (limit ${secs}s, start deadline ${DEADLINE}s)" ${d/#-/}
    sleep 0.5
  done
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
http_up() { # URL: any HTTP answer below 500
  local c
  c=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$1") || return 1
  [ "$c" -gt 0 ] && [ "$c" -lt 500 ]
}

# step NAME CMD... : run a set-up step in the background, output to
# logs/setup-NAME.log; join NAME waits for it and fails with its log.
declare -A STEPS=()
step() {
  local name=$1; shift
  ( "$@" ) >"$LOGS/setup-$name.log" 2>&1 </dev/null &
  STEPS[$name]=$!
}
join() {
  local name rc
  for name in "$@"; do
    rc=0; wait "${STEPS[$name]}" || rc=$?
    [ "$rc" -eq 0 ] || die "set-up step $name failed (exit $rc)" "setup-$name"
    say "step $name done"
  done
}

# timed LABEL CMD...: run CMD, append its wall time to logs/timings.txt.
timed() {
  local label=$1 t=$SECONDS rc=0; shift
  "$@" || rc=$?
  echo "$label $((SECONDS - t))s (at +$(($(date +%s) - T0))s) rc=$rc" >>"$LOGS/timings.txt"
  return $rc
}

# boost STEP...: back to normal CPU priority for the steps' processes
# (the step subshells and their children, found by parent pid).
boost() {
  local n p c
  for n in "$@"; do
    p=${STEPS[$n]}
    renice -n 0 -p "$p" $(pgrep -P "$p") >/dev/null 2>&1 || true
    for c in $(pgrep -P "$p"); do renice -n 0 -p $(pgrep -P "$c") >/dev/null 2>&1 || true; done
  done
}

sql() { mariadb --no-defaults -S "$RUN/mysql.sock" -uroot "$@"; }

# ---------------------------------------------------------------- daemons
start_mariadb() {
  mkdir -p "$RUN/mysql"
  mariadb-install-db --no-defaults --datadir="$RUN/mysql" --user=root \
    --auth-root-authentication-method=normal --skip-test-db >"$LOGS/mariadb-install.log" 2>&1 ||
    die "mariadb-install-db failed" mariadb-install
  # No durability needed: a test cloud is rebuilt on every start.
  daemon mariadb "$RUN/mysql" /usr/sbin/mariadbd --no-defaults --user=root \
    --datadir="$RUN/mysql" --socket="$RUN/mysql.sock" --pid-file="$RUN/mysql.pid" \
    --bind-address=$HOSTIP --port=3306 --skip-name-resolve --skip-log-bin \
    --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --innodb-flush-method=nosync \
    --sync-frm=0 --innodb-buffer-pool-size=256M --max-connections=2000 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci
}

start_rabbitmq() {
  mkdir -p "$RUN/rabbitmq/mnesia" "$ETC/rabbitmq"
  echo '[].' >"$ETC/rabbitmq/enabled_plugins"
  cat >"$ETC/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.default = $HOSTIP:5672
loopback_users.guest = true
log.console = true
log.console.level = warning
EOF
  if ! port_open $HOSTIP 4369; then
    daemon epmd "epmd" env ERL_EPMD_ADDRESS=$HOSTIP /usr/bin/epmd -address $HOSTIP
  fi
  daemon rabbitmq "$RUN/rabbitmq" env HOME="$RUN/rabbitmq" \
    RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=$HOSTIP \
    ERL_EPMD_ADDRESS=$HOSTIP RABBITMQ_MNESIA_BASE="$RUN/rabbitmq/mnesia" \
    RABBITMQ_LOG_BASE="$LOGS" RABBITMQ_LOGS=- RABBITMQ_CONFIG_FILE="$ETC/rabbitmq/rabbitmq" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$ETC/rabbitmq/enabled_plugins" \
    RABBITMQ_CONF_ENV_FILE=/dev/null RABBITMQ_PID_FILE="$RUN/rabbitmq/pid" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    /usr/lib/rabbitmq/bin/rabbitmq-server
}

create_databases() {
  local d q="CREATE USER 'stackpit'@'$HOSTIP' IDENTIFIED BY '$DBPW';
GRANT ALL PRIVILEGES ON *.* TO 'stackpit'@'$HOSTIP';"
  for d in keystone glance placement nova_api nova nova_cell0 neutron cinder; do
    q="$q CREATE DATABASE $d;"
  done
  sql -e "$q"
}

keystone_setup() {
  local c=(--config-file "$ETC/keystone/keystone.conf")
  # Fernet and credential key repositories written directly (what
  # fernet_setup/credential_setup do), saving two Python start-ups.
  local d k
  for d in fernet-keys credential-keys; do
    mkdir -p -m 0700 "$RUN/keystone/$d"
    for k in 0 1; do
      head -c 32 /dev/urandom | base64 | tr '+/' '-_' >"$RUN/keystone/$d/$k"
      chmod 0600 "$RUN/keystone/$d/$k"
    done
  done
  timed keystone-db_sync keystone-manage "${c[@]}" db_sync
  timed keystone-bootstrap keystone-manage "${c[@]}" bootstrap --bootstrap-password "$ADMIN_PW" \
    --bootstrap-admin-url "http://$HOSTIP:5000/v3/" \
    --bootstrap-internal-url "http://$HOSTIP:5000/v3/" \
    --bootstrap-public-url "http://$HOSTIP:5000/v3/" --bootstrap-region-id RegionOne
}

nova_db() {
  local c=(--config-file "$ETC/nova/nova.conf")
  timed nova-api_db-sync $LOW nova-manage "${c[@]}" api_db sync
  # What `cell_v2 map_cell0` and `cell_v2 create_cell --name cell1` write,
  # without two more nova-manage start-ups (~5 s of CPU each).
  sql nova_api -e "INSERT INTO cell_mappings (created_at, uuid, name, transport_url, database_connection, disabled) VALUES
    (NOW(), '00000000-0000-0000-0000-000000000000', 'cell0', 'none:///', '$DB/nova_cell0', 0),
    (NOW(), '$(cat /proc/sys/kernel/random/uuid)', 'cell1', '$TRANSPORT', '$DB/nova', 0);"
  timed nova-db-sync $LOW nova-manage "${c[@]}" db sync
}

start_nova_compute() { # HOST
  mkdir -p "$RUN/nova/$1/instances" "$RUN/nova/$1/lock"
  daemon "nova-$1" "$ETC/nova/$1.conf" /usr/bin/python3 "$HERE/openstack/nova-compute.py" \
    --config-file "$ETC/nova/nova.conf" --config-file "$ETC/nova/$1.conf"
}

# Gates: daemons start once what they talk to at start-up answers.
# (nova-compute reports to Placement at start and only retries a minute
# later, so it waits for Keystone and Placement.)
gate_rabbit() { wait_for "rabbitmq on 5672" 180 rabbitmq port_open $HOSTIP 5672; }
gate_keystone() { wait_for "keystone API" 180 keystone test -f "$RUN/keystone.ready"; }
gate_placement() { wait_for "placement API" 180 placement http_up "http://$HOSTIP:8778/"; }

start_dhcp_agent() {
  daemon neutron-dhcp-agent "$ETC/neutron/neutron.conf" /usr/bin/neutron-dhcp-agent \
    --config-file "$ETC/neutron/neutron.conf" --config-file "$ETC/neutron/dhcp_agent.ini"
}

start_cinder_volume() {
  daemon cinder-volume "$ETC/cinder/cinder.conf" /usr/bin/python3 "$HERE/openstack/cinder-volume.py" \
    --config-file "$ETC/cinder/cinder.conf"
}

nova_chain() {
  nova_db
  local c=(--config-file "$ETC/nova/nova.conf")
  gate_rabbit
  daemon nova-conductor "$ETC/nova/nova.conf" /usr/bin/nova-conductor "${c[@]}"
  daemon nova-scheduler "$ETC/nova/nova.conf" /usr/bin/nova-scheduler "${c[@]}"
  daemon nova-api "$ETC/nova/nova.conf" /usr/bin/nova-api "${c[@]}"
  gate_keystone
  gate_placement
  start_nova_compute compute01
  start_nova_compute compute02
}

neutron_chain() {
  local c=(--config-file "$ETC/neutron/neutron.conf")
  timed neutron-db-upgrade $LOW neutron-db-manage "${c[@]}" --config-file "$ETC/neutron/ml2_conf.ini" upgrade heads
  gate_rabbit
  daemon neutron-server "$ETC/neutron/neutron.conf" /usr/bin/neutron-server "${c[@]}" \
    --config-file "$ETC/neutron/ml2_conf.ini"
  start_dhcp_agent
  daemon neutron-metadata-agent "$ETC/neutron/neutron.conf" /usr/bin/neutron-metadata-agent "${c[@]}" \
    --config-file "$ETC/neutron/metadata_agent.ini"
}

cinder_chain() {
  local c=(--config-file "$ETC/cinder/cinder.conf")
  timed cinder-manage-sync $LOW cinder-manage "${c[@]}" db sync
  gate_rabbit
  daemon cinder-api "$ETC/cinder/cinder.conf" /usr/bin/cinder-api "${c[@]}"
  daemon cinder-scheduler "$ETC/cinder/cinder.conf" /usr/bin/cinder-scheduler "${c[@]}"
  start_cinder_volume
}

glance_chain() {
  local c=(--config-file "$ETC/glance/glance-api.conf")
  timed glance-manage-db_sync $LOW glance-manage "${c[@]}" db_sync
  gate_keystone
  daemon glance-api "$ETC/glance/glance-api.conf" /usr/bin/glance-api "${c[@]}"
}

placement_chain() {
  timed placement-manage-sync $LOW placement-manage --config-file "$ETC/placement/placement.conf" db sync
  gate_keystone
  daemon placement "$ETC/placement/uwsgi.ini" /usr/bin/uwsgi-core --ini "$ETC/placement/uwsgi.ini"
}

seed() { HOSTIP=$HOSTIP ADMIN_PW=$ADMIN_PW SVC_PW=$SVC_PW READER_PW=$READER_PW \
  SEED_DEADLINE=$(left) /usr/bin/python3 "$HERE/openstack/seed.py" "$@"; }

write_env() {
  cat >"$RUN/clouds.yaml" <<EOF
clouds:
  stackpit-testenv:
    auth:
      auth_url: http://$HOSTIP:5000/v3
      username: admin
      password: $ADMIN_PW
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  stackpit-testenv-reader:
    auth:
      auth_url: http://$HOSTIP:5000/v3
      username: reader
      password: $READER_PW
      project_name: alpha
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
EOF
  cat >"$ENVFILE.tmp" <<EOF
# written by testenv/openstack.sh start ($(date -u +%FT%TZ))
export OS_AUTH_URL=http://$HOSTIP:5000/v3 OS_USERNAME=admin OS_PASSWORD=$ADMIN_PW OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=RegionOne OS_IDENTITY_API_VERSION=3 OS_INTERFACE=public
export OS_CLIENT_CONFIG_FILE=$RUN/clouds.yaml STACKPIT_TEST_OPENSTACK_CLOUD=stackpit-testenv
export STACKPIT_TEST_OPENSTACK=1
export STACKPIT_TEST_OPENSTACK_CTL=$HERE/openstack.sh STACKPIT_TEST_OPENSTACK_RUN=$RUN
export STACKPIT_TEST_OPENSTACK_READER_USERNAME=reader STACKPIT_TEST_OPENSTACK_READER_PASSWORD=$READER_PW STACKPIT_TEST_OPENSTACK_READER_PROJECT=alpha
EOF
  mv "$ENVFILE.tmp" "$ENVFILE"
}

# ---------------------------------------------------------------- start
cmd_start() {
  local p
  for p in keystone glance-api placement-api nova-api neutron-server cinder-api mariadb-server rabbitmq-server; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
      { echo "openstack: package $p missing: run $0 install first" >&2; exit 1; }
  done
  if [ -d "$PIDS" ]; then cmd_stop; fi
  for p in 3306 5672 5000 9292 8778 8774 9696 8776; do
    port_open $HOSTIP $p && { echo "openstack: port $p on $HOSTIP is already in use (not by a daemon of ours)" >&2; exit 1; }
  done
  rm -rf "$RUN" "$ENVFILE"
  mkdir -p "$LOGS" "$PIDS" "$RUN"/{glance/images,glance/staging,glance/tasks,glance/lock,nova/lock,neutron/lock,cinder/lock}
  say "start (logs: $LOGS)"
  render_configs

  start_mariadb
  start_rabbitmq
  wait_for "mariadb socket" 60 mariadb sql -e 'select 1'
  create_databases
  say "mariadb up"

  # Every database syncs at once; each chain then starts its daemons when
  # what they need answers (gates). Keystone is on the critical path.
  step keystone keystone_setup
  step glance glance_chain
  step placement placement_chain
  step nova nova_chain
  step neutron neutron_chain
  step cinder cinder_chain
  join keystone
  boost glance placement nova neutron cinder
  daemon keystone "$ETC/keystone/uwsgi.ini" /usr/bin/uwsgi-core --ini "$ETC/keystone/uwsgi.ini"
  wait_for "keystone API" 120 keystone http_up "http://$HOSTIP:5000/v3"
  say "keystone up"
  timed seed-identity seed identity >"$LOGS/setup-identity.log" 2>&1 || die "identity seeding failed" setup-identity keystone
  touch "$RUN/keystone.ready"
  say "identity seeded"
  join glance placement nova neutron cinder
  say "databases synced, all daemons started"

  wait_for "glance API" 180 glance-api http_up "http://$HOSTIP:9292/"
  wait_for "nova API" 180 nova-api http_up "http://$HOSTIP:8774/"
  wait_for "neutron API" 180 neutron-server http_up "http://$HOSTIP:9696/"
  wait_for "cinder API" 180 cinder-api http_up "http://$HOSTIP:8776/"
  say "all APIs answer"

  # Agents and Cinder come up while the computes are discovered and the
  # fixture boots.
  step agents seed wait-services
  timed wait-computes seed wait-computes >"$LOGS/setup-computes.log" 2>&1 ||
    die "nova-compute services did not come up" setup-computes nova-compute01 nova-compute02 nova-conductor
  timed discover_hosts nova-manage --config-file "$ETC/nova/nova.conf" cell_v2 discover_hosts --verbose \
    >"$LOGS/setup-discover.log" 2>&1 || die "discover_hosts failed" setup-discover
  say "computes up and discovered"
  timed fixture seed fixture >"$LOGS/setup-fixture.log" 2>&1 ||
    die "fixture failed" setup-fixture nova-scheduler nova-conductor nova-compute01 nova-compute02
  say "fixture booted"
  join agents
  write_env
  say "ready: $(tail -n1 "$LOGS/setup-fixture.log"); env in $ENVFILE"
}

# ---------------------------------------------------------------- stop
# group_of NAME -> the daemon's process group id (its saved pid, a setsid
# session leader) when some live member of that group still carries the
# daemon's marker in its command line (the leader may already be gone, e.g.
# rabbitmq's wrapper script, while beam.smp lives on).
group_of() {
  local f=$PIDS/$1.pid pid marker m
  [ -f "$f" ] || return 1
  read -r pid marker <"$f" || return 1
  for m in $(pgrep -g "$pid" 2>/dev/null); do
    [ "$(awk '{print $3}' "/proc/$m/stat" 2>/dev/null)" != Z ] || continue
    if grep -aqF -- "$marker" "/proc/$m/cmdline" 2>/dev/null; then echo "$pid"; return 0; fi
  done
  return 1
}

# stop_one NAME: TERM the daemon's process group, KILL after 5 s (start
# rebuilds everything, so there is nothing to shut down gracefully; oslo
# services would otherwise wait up to graceful_shutdown_timeout).
stop_one() {
  local name=$1 pg i
  pg=$(group_of "$name") || { rm -f "$PIDS/$name.pid"; return 0; }
  kill -TERM -- "-$pg" 2>/dev/null || true
  for i in $(seq 1 20); do
    group_of "$name" >/dev/null || break
    sleep 0.25
  done
  if group_of "$name" >/dev/null; then kill -KILL -- "-$pg" 2>/dev/null || true; fi
  rm -f "$PIDS/$name.pid"
}

cmd_stop() {
  [ -d "$PIDS" ] || { say "nothing to stop"; return 0; }
  local n f jobs=()
  # All at once: start always rebuilds the cloud, nothing needs an orderly
  # shutdown. (Waits only for its own jobs: the caller may have daemons as
  # background jobs.)
  for f in "$PIDS"/*.pid; do
    [ -f "$f" ] || continue
    n=$(basename "$f" .pid)
    stop_one "$n" & jobs+=($!)
  done
  [ ${#jobs[@]} -eq 0 ] || wait "${jobs[@]}"
  rm -f "$ENVFILE" "$RUN/keystone.ready"
  say "stopped"
}

cmd_status() {
  local f n
  for f in "$PIDS"/*.pid; do
    [ -f "$f" ] || continue
    n=$(basename "$f" .pid)
    if alive "$n"; then echo "$n running (process group $(group_of "$n"))"; else echo "$n NOT running"; fi
  done
}

# restart-compute HOST: restart one nova-compute (e.g. after an evacuation,
# so it marks the `done` evacuation migrations `completed` and the host can
# be forced up again); returns once it has started up.
cmd_restart_compute() {
  local h=${1:?usage: $0 restart-compute compute01|compute02}
  case $h in compute01 | compute02) ;; *) echo "unknown compute $h" >&2; exit 2 ;; esac
  cmd_kill "nova-$h"
  cmd_revive "nova-$h"
}

# kill DAEMON / revive DAEMON: stop one agent-like daemon (it then shows
# down/dead once its heartbeats are older than service_down_time /
# agent_down_time, 30 s here) and start it again.
KILLABLE="nova-compute01 nova-compute02 neutron-dhcp-agent neutron-metadata-agent cinder-volume cinder-scheduler"
cmd_kill() {
  local n=${1:?usage: $0 kill DAEMON ($KILLABLE)}
  [[ " $KILLABLE " == *" $n "* ]] || { echo "openstack: kill: $n is not one of: $KILLABLE" >&2; exit 2; }
  stop_one "$n"
  say "$n stopped"
}
# crash DAEMON: SIGKILL its process group at once, no shutdown (what a
# power loss does to it; testenv/ipmi.sh's power-off hook uses it).
cmd_crash() {
  local n=${1:?usage: $0 crash DAEMON ($KILLABLE)} pg
  [[ " $KILLABLE " == *" $n "* ]] || { echo "openstack: crash: $n is not one of: $KILLABLE" >&2; exit 2; }
  pg=$(group_of "$n") || { say "$n not running"; return 0; }
  kill -KILL -- "-$pg" 2>/dev/null || true
  rm -f "$PIDS/$n.pid"
  say "$n killed (SIGKILL)"
}
cmd_revive() {
  local n=${1:?usage: $0 revive DAEMON ($KILLABLE)}
  [[ " $KILLABLE " == *" $n "* ]] || { echo "openstack: revive: $n is not one of: $KILLABLE" >&2; exit 2; }
  DEADLINE=${STACKPIT_OPENSTACK_DEADLINE:-180}
  alive "$n" && { say "$n already running"; return 0; }
  mv -f "$LOGS/$n.log" "$LOGS/$n.log.$(date +%s)" 2>/dev/null || true
  local ready
  case $n in
    nova-compute0?) start_nova_compute "${n#nova-}"; ready='Creating RPC server\|Starting compute node' ;;
    neutron-dhcp-agent) start_dhcp_agent; ready='Synchronizing state' ;;
    neutron-metadata-agent)
      daemon neutron-metadata-agent "$ETC/neutron/neutron.conf" /usr/bin/neutron-metadata-agent \
        --config-file "$ETC/neutron/neutron.conf" --config-file "$ETC/neutron/metadata_agent.ini"
      ready='wsgi starting up' ;;
    cinder-volume) start_cinder_volume; ready='Starting volume driver\|Driver initialization completed' ;;
    cinder-scheduler)
      daemon cinder-scheduler "$ETC/cinder/cinder.conf" /usr/bin/cinder-scheduler --config-file "$ETC/cinder/cinder.conf"
      ready='Starting cinder-scheduler' ;;
  esac
  wait_for "$n start-up" 150 "$n" grep -q "$ready" "$LOGS/$n.log"
  say "$n started"
}

. "$HERE/openstack/render.sh"

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  restart-compute) cmd_restart_compute "${2:-}" ;;
  kill) cmd_kill "${2:-}" ;;
  revive) cmd_revive "${2:-}" ;;
  crash) cmd_crash "${2:-}" ;;
  *) echo "usage: $0 install|start|stop|status|restart-compute HOST|kill DAEMON|revive DAEMON|crash DAEMON" >&2; exit 2 ;;
esac
