#!/usr/bin/env bash
# The control-plane services under OpenStack, for the rabbitmq/haproxy/
# memcached datasource integration tests:
#   - a RabbitMQ node of its own (rabbit-cp@localhost) with the management
#     plugin, on spare ports (AMQP 5673, management 15673, epmd 4370,
#     distribution 25673) so it never meets testenv/openstack.sh's node;
#   - Debian's haproxy with a stats page (/;csv) and an admin runtime socket
#     (unix and tcp), in front of two tiny python http.server backends;
#   - memcached;
#   - a one-node MariaDB Galera cluster (Debian's mariadb-server with
#     galera-4, wsrep_cluster_address=gcomm://): its own mariadbd with its
#     own datadir, socket and ports (SQL 13307, group communication 14567),
#     never testenv/openstack.sh's database server.
# Everything binds 127.0.0.1; setsid, pid files in testenv/run/controlplane,
# stop signals only the saved process groups.
#   testenv/controlplane.sh install|start|stop
set -euo pipefail
cd "$(dirname "$0")/.."
RUN="$PWD/testenv/run/controlplane"
ENVF="$PWD/testenv/run/controlplane.env"
H=127.0.0.1
AMQP=5673 MGMT=15673 EPMD=4370 DIST=25673
STATS=18404 FRONT=18480 BACK1=18481 BACK2=18482 ADMIN=18405 MEMC=11212
GALERA=13307 GCOMM=14567 GIST=14568
NODE=rabbit-cp@localhost
PACKAGES=(rabbitmq-server haproxy memcached mariadb-server galera-4 python3 python3-amqp curl procps)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

install() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  # A private archive directory (see openstack.sh: the docker-clean hook
  # deletes other installs' downloads).
  local arch=/var/cache/apt/archives-stackpit-controlplane
  mkdir -p "$arch/partial"
  local opts=(-o DPkg::Lock::Timeout=1200 -o Dir::Cache::Archives="$arch/"
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  apt-get "${opts[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -rf "$arch"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# daemon NAME MARKER CMD...: setsid CMD (its pid is its process group),
# logs/NAME.log, pid file "PID MARKER".
daemon() {
  local name=$1 marker=$2; shift 2
  setsid "$@" >"$RUN/logs/$name.log" 2>&1 </dev/null &
  echo "$! $marker" >"$RUN/pids/$name.pid"
}

# group_of NAME: the saved process group, when a live member still carries
# the marker in its command line (the rabbitmq-server wrapper may be gone
# while beam.smp lives on).
group_of() {
  local f=$RUN/pids/$1.pid pid marker m
  [ -f "$f" ] || return 1
  read -r pid marker <"$f" || return 1
  for m in $(pgrep -g "$pid" 2>/dev/null); do
    [ "$(awk '{print $3}' "/proc/$m/stat" 2>/dev/null)" != Z ] || continue
    if grep -aqF -- "$marker" "/proc/$m/cmdline" 2>/dev/null; then echo "$pid"; return 0; fi
  done
  return 1
}

stop_one() {
  local pg i
  pg=$(group_of "$1") || { rm -f "$RUN/pids/$1.pid"; return 0; }
  kill -TERM -- "-$pg" 2>/dev/null || true
  for i in $(seq 1 40); do group_of "$1" >/dev/null || break; sleep 0.25; done
  if group_of "$1" >/dev/null; then kill -KILL -- "-$pg" 2>/dev/null || true; fi
  rm -f "$RUN/pids/$1.pid"
}

# wait_for WHAT SECONDS DAEMON CMD...: poll until CMD succeeds; fail early
# when DAEMON died.
wait_for() {
  local what=$1 secs=$2 d=$3; shift 3
  local end=$(($(date +%s) + secs))
  until "$@" >/dev/null 2>&1; do
    if ! group_of "$d" >/dev/null; then
      echo "controlplane: $d exited while waiting for $what:" >&2; tail -30 "$RUN/logs/$d.log" >&2; return 1
    fi
    if [ "$(date +%s)" -ge "$end" ]; then
      echo "controlplane: timed out after ${secs}s waiting for $what:" >&2; tail -30 "$RUN/logs/$d.log" >&2; return 1
    fi
    sleep 0.3
  done
}

# The environment of our rabbitmq node.
RENV=(env HOME="$RUN/rabbitmq" RABBITMQ_NODENAME=$NODE RABBITMQ_NODE_IP_ADDRESS=$H
  RABBITMQ_NODE_PORT=$AMQP RABBITMQ_DIST_PORT=$DIST ERL_EPMD_ADDRESS=$H ERL_EPMD_PORT=$EPMD
  RABBITMQ_MNESIA_BASE="$RUN/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$RUN/logs" RABBITMQ_LOGS=-
  RABBITMQ_CONFIG_FILE="$RUN/rabbitmq/rabbitmq" RABBITMQ_ENABLED_PLUGINS_FILE="$RUN/rabbitmq/enabled_plugins"
  RABBITMQ_CONF_ENV_FILE=/dev/null RABBITMQ_PID_FILE="$RUN/rabbitmq/pid"
  RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}")

start_rabbitmq() {
  mkdir -p "$RUN/rabbitmq/mnesia"
  echo '[rabbitmq_management].' >"$RUN/rabbitmq/enabled_plugins"
  cat >"$RUN/rabbitmq/rabbitmq.conf" <<CONF
listeners.tcp.default = $H:$AMQP
management.tcp.ip = $H
management.tcp.port = $MGMT
loopback_users.guest = true
collect_statistics_interval = 1000
log.console = true
log.console.level = warning
CONF
  daemon epmd epmd /usr/bin/epmd -port $EPMD -address $H
  wait_for "epmd on $EPMD" 10 epmd port_open $H $EPMD
  daemon rabbitmq "$RUN/rabbitmq" "${RENV[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server
  # a wrapper the tests call for stop_app/start_app on this node
  cat >"$RUN/rabbitmqctl" <<CTL
#!/bin/sh
exec env HOME="$RUN/rabbitmq" ERL_EPMD_ADDRESS=$H ERL_EPMD_PORT=$EPMD \\
  RABBITMQ_CTL_DIST_PORT_MIN=35790 RABBITMQ_CTL_DIST_PORT_MAX=35799 RABBITMQ_CONF_ENV_FILE=/dev/null \\
  /usr/lib/rabbitmq/bin/rabbitmqctl -n $NODE "\$@"
CTL
  chmod +x "$RUN/rabbitmqctl"
}

start_haproxy() {
  mkdir -p "$RUN/www1" "$RUN/www2"
  echo controller1 >"$RUN/www1/index.html"; echo controller2 >"$RUN/www2/index.html"
  daemon backend1 http.server python3 -m http.server $BACK1 --bind $H --directory "$RUN/www1"
  daemon backend2 http.server python3 -m http.server $BACK2 --bind $H --directory "$RUN/www2"
  cat >"$RUN/haproxy.cfg" <<CFG
global
  stats socket $RUN/haproxy.sock mode 600 level admin
  stats socket ipv4@$H:$ADMIN level admin
  stats timeout 10s
defaults
  mode http
  timeout connect 1s
  timeout client 10s
  timeout server 10s
frontend stats
  bind $H:$STATS
  stats enable
  stats uri /
frontend api
  bind $H:$FRONT
  default_backend keystone_internal
backend keystone_internal
  option httpchk GET /
  server controller1 $H:$BACK1 check inter 300 fall 2 rise 2
  server controller2 $H:$BACK2 check inter 300 fall 2 rise 2
backend rabbitmq_management
  server controller1 $H:$MGMT check inter 1s
CFG
  /usr/sbin/haproxy -c -q -f "$RUN/haproxy.cfg"
  daemon haproxy "$RUN/haproxy.cfg" /usr/sbin/haproxy -db -f "$RUN/haproxy.cfg"
}

# start_galera: a one-node Galera cluster, bootstrapped (gcomm://), with a
# monitoring account (PROCESS only: SHOW status, the processlist) and an
# admin account the tests use to desync the node.
start_galera() {
  local g=$RUN/galera
  mkdir -p "$g/data"
  cat >"$g/my.cnf" <<CNF
[mysqld]
datadir=$g/data
socket=$g/mysqld.sock
pid-file=$g/mysqld.pid
port=$GALERA
bind-address=$H
user=root
log-error=$RUN/logs/galera-error.log
skip-name-resolve
innodb_buffer_pool_size=32M
innodb_log_file_size=16M
performance_schema=OFF
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=/usr/lib/galera/libgalera_smm.so
wsrep_cluster_address=gcomm://
wsrep_cluster_name=stackpit-test
wsrep_node_name=galera-test
wsrep_node_address=$H:$GCOMM
wsrep_provider_options="gmcast.listen_addr=tcp://$H:$GCOMM;ist.recv_addr=$H:$GIST;gcache.size=16M"
CNF
  /usr/bin/mariadb-install-db --defaults-file="$g/my.cnf" --auth-root-authentication-method=socket \
    --skip-test-db >"$RUN/logs/galera-install.log" 2>&1
  daemon galera "$g/my.cnf" /usr/sbin/mariadbd --defaults-file="$g/my.cnf"
}

galera_sql() { /usr/bin/mariadb --no-defaults -S "$RUN/galera/mysqld.sock" -uroot -N -e "$1"; }

start() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
      { echo "controlplane: package $p missing: run $0 install first" >&2; exit 1; }
  done
  [ -d "$RUN/pids" ] && stop
  for p in $AMQP $MGMT $EPMD $DIST $STATS $FRONT $BACK1 $BACK2 $ADMIN $MEMC $GALERA $GCOMM $GIST; do
    port_open $H $p && { echo "controlplane: port $p on $H is already in use (not by a daemon of ours)" >&2; exit 1; }
  done
  rm -rf "$RUN" "$ENVF"
  mkdir -p "$RUN/logs" "$RUN/pids"
  local t0=$SECONDS
  start_rabbitmq
  start_haproxy
  start_galera
  daemon memcached memcached /usr/bin/memcached -l $H -p $MEMC -U 0 -m 16 -u nobody
  wait_for "memcached on $MEMC" 20 memcached port_open $H $MEMC
  wait_for "haproxy stats on $STATS" 20 haproxy curl -sf "http://$H:$STATS/;csv"
  wait_for "backends up in haproxy" 20 haproxy sh -c "curl -sf 'http://$H:$STATS/;csv' | grep -c '^keystone_internal,controller[12],.*,UP,' | grep -qx 2"
  wait_for "galera node Synced on $GALERA" 120 galera sh -c \
    "/usr/bin/mariadb --no-defaults -S '$RUN/galera/mysqld.sock' -uroot -N -e \"SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'\" | grep -q Synced"
  galera_sql "CREATE USER 'stackpit_monitor'@'$H' IDENTIFIED BY 'monitor-pw'; GRANT PROCESS ON *.* TO 'stackpit_monitor'@'$H';
    CREATE USER 'stackpit_admin'@'$H' IDENTIFIED BY 'admin-pw'; GRANT ALL ON *.* TO 'stackpit_admin'@'$H';"
  wait_for "rabbitmq management API on $MGMT" 120 rabbitmq curl -sf -u guest:guest "http://$H:$MGMT/api/overview"
  cat >"$ENVF" <<ENV
export STACKPIT_TEST_RABBITMQ_URL=http://$H:$MGMT
export STACKPIT_TEST_RABBITMQ_USER=guest
export STACKPIT_TEST_RABBITMQ_PASSWORD=guest
export STACKPIT_TEST_RABBITMQCTL=$RUN/rabbitmqctl
export STACKPIT_TEST_RABBITMQ_AMQP=$H:$AMQP
export STACKPIT_TEST_HAPROXY_STATS_URL=http://$H:$STATS/
export STACKPIT_TEST_HAPROXY_SOCKET=unix://$RUN/haproxy.sock
export STACKPIT_TEST_HAPROXY_RUNTIME_TCP=tcp://$H:$ADMIN
export STACKPIT_TEST_HAPROXY_BACKEND2_PID=$(awk '{print $1}' "$RUN/pids/backend2.pid")
export STACKPIT_TEST_MEMCACHED_ADDR=$H:$MEMC
export STACKPIT_TEST_GALERA_ADDR=$H:$GALERA
export STACKPIT_TEST_GALERA_USER=stackpit_monitor
export STACKPIT_TEST_GALERA_PASSWORD=monitor-pw
export STACKPIT_TEST_GALERA_ADMIN_USER=stackpit_admin
export STACKPIT_TEST_GALERA_ADMIN_PASSWORD=admin-pw
ENV
  echo "controlplane ready in $((SECONDS - t0))s; env in $ENVF"
}

stop() {
  [ -d "$RUN/pids" ] || return 0
  local f
  for f in "$RUN"/pids/*.pid; do
    [ -f "$f" ] || continue
    [ "$(basename "$f" .pid)" = epmd ] && continue
    stop_one "$(basename "$f" .pid)"
  done
  stop_one epmd # last: the node unregisters from it on the way down
  rm -f "$ENVF"
}

case "${1:-}" in
  install) install ;; start) start ;; stop) stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
