# Sourced by testenv/openstack.sh: writes every service's configuration
# under $ETC. Uses RUN, ETC, DB, TRANSPORT, SVC_PW, HOSTIP.
# Every service stays on legacy policy defaults (see real-servers.md:
# with the new defaults nova-scheduler gets 403 from Placement).

authtoken() {
  cat <<EOF
[keystone_authtoken]
www_authenticate_uri = http://$HOSTIP:5000
auth_url = http://$HOSTIP:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = service
password = $SVC_PW
region_name = RegionOne
EOF
}

# svcauth SECTION: a keystoneauth password block for service-to-service calls.
svcauth() {
  cat <<EOF
[$1]
auth_type = password
auth_url = http://$HOSTIP:5000
project_domain_name = Default
user_domain_name = Default
project_name = service
username = service
password = $SVC_PW
region_name = RegionOne
EOF
}

legacy_policy() {
  cat <<EOF
[oslo_policy]
enforce_new_defaults = false
enforce_scope = false
EOF
}

render_configs() {
  mkdir -p "$ETC"/{keystone,glance,placement,nova,neutron,cinder}

  # ---------------------------------------------------------------- keystone
  cat >"$ETC/keystone/keystone.conf" <<EOF
[DEFAULT]
use_stderr = true
[database]
connection = $DB/keystone
[token]
provider = fernet
[fernet_tokens]
key_repository = $RUN/keystone/fernet-keys
[fernet_receipts]
key_repository = $RUN/keystone/fernet-keys
[credential]
key_repository = $RUN/keystone/credential-keys
[cache]
enabled = true
backend = dogpile.cache.memory
$(legacy_policy)
EOF
  # uwsgi: ONE process with threads (the memory cache is per process);
  # Connection: close because http-socket mishandles reused sockets.
  cat >"$ETC/keystone/uwsgi.ini" <<EOF
[uwsgi]
plugins = python3
http-socket = $HOSTIP:5000
wsgi-file = /usr/bin/keystone-wsgi-public
processes = 1
threads = 8
lazy-apps = true
add-header = Connection: close
buffer-size = 65535
thunder-lock = true
die-on-term = true
env = OS_KEYSTONE_CONFIG_FILES=$ETC/keystone/keystone.conf
EOF

  # ---------------------------------------------------------------- glance
  cat >"$ETC/glance/glance-api.conf" <<EOF
[DEFAULT]
bind_host = $HOSTIP
bind_port = 9292
workers = 1
use_stderr = true
enabled_backends = file:file
enforce_secure_rbac = false
[database]
connection = $DB/glance
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = $RUN/glance/images
[os_glance_staging_store]
filesystem_store_datadir = $RUN/glance/staging
[os_glance_tasks_store]
filesystem_store_datadir = $RUN/glance/tasks
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $RUN/glance/lock
$(authtoken)
$(legacy_policy)
EOF

  # ---------------------------------------------------------------- placement
  cat >"$ETC/placement/placement.conf" <<EOF
[DEFAULT]
use_stderr = true
[api]
auth_strategy = keystone
[placement_database]
connection = $DB/placement
$(authtoken)
$(legacy_policy)
EOF
  cat >"$ETC/placement/uwsgi.ini" <<EOF
[uwsgi]
plugins = python3
http-socket = $HOSTIP:8778
wsgi-file = /usr/bin/placement-api
processes = 1
threads = 8
lazy-apps = true
add-header = Connection: close
buffer-size = 65535
die-on-term = true
env = OS_PLACEMENT_CONFIG_DIR=$ETC/placement
EOF

  # ---------------------------------------------------------------- nova
  cat >"$ETC/nova/nova.conf" <<EOF
[DEFAULT]
my_ip = $HOSTIP
# Kolla-like host names: control services on control01, computes override.
host = control01
use_stderr = true
state_path = $RUN/nova
instances_path = $RUN/nova/instances
enabled_apis = osapi_compute
osapi_compute_listen = $HOSTIP
osapi_compute_listen_port = 8774
osapi_compute_workers = 1
transport_url = $TRANSPORT
compute_driver = stackpit_fake.AdoptingFakeDriver
# A fresh cloud: no periodic discovery, testenv runs discover_hosts itself.
heal_instance_info_cache_interval = -1
# Heartbeats every 5 s, down after 30 s (defaults 10/60): tests that kill a
# service wait less.
report_interval = 5
service_down_time = 30
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
[api_database]
connection = $DB/nova_api
[database]
connection = $DB/nova
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = -1
[filter_scheduler]
enabled_filters = ComputeFilter,ComputeCapabilitiesFilter,ImagePropertiesFilter
[vnc]
enabled = false
[spice]
enabled = false
[oslo_concurrency]
lock_path = $RUN/nova/lock
[oslo_messaging_notifications]
driver = noop
[glance]
region_name = RegionOne
[cinder]
os_region_name = RegionOne
$(authtoken)
$(svcauth placement)
$(svcauth neutron)
$(legacy_policy)
EOF
  local h
  for h in compute01 compute02; do
    cat >"$ETC/nova/$h.conf" <<EOF
[DEFAULT]
host = $h
state_path = $RUN/nova/$h
instances_path = $RUN/nova/$h/instances
[oslo_concurrency]
lock_path = $RUN/nova/$h/lock
EOF
  done

  # ---------------------------------------------------------------- neutron
  cat >"$ETC/neutron/neutron.conf" <<EOF
[DEFAULT]
host = control01
bind_host = $HOSTIP
bind_port = 9696
use_stderr = true
core_plugin = ml2
service_plugins =
auth_strategy = keystone
transport_url = $TRANSPORT
state_path = $RUN/neutron
api_paste_config = /etc/neutron/api-paste.ini
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 1
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
interface_driver = linuxbridge
agent_down_time = 30
[database]
connection = $DB/neutron
[agent]
report_interval = 5
root_helper =
root_helper_daemon =
use_helper_for_ns_read = false
[oslo_concurrency]
lock_path = $RUN/neutron/lock
[experimental]
linuxbridge = true
$(authtoken)
$(svcauth nova)
$(legacy_policy)
EOF
  cat >"$ETC/neutron/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat
tenant_network_types =
mechanism_drivers = linuxbridge
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
EOF
  cat >"$ETC/neutron/dhcp_agent.ini" <<EOF
[DEFAULT]
interface_driver = linuxbridge
dhcp_driver = neutron.agent.linux.dhcp.Dnsmasq
enable_isolated_metadata = false
EOF
  cat >"$ETC/neutron/metadata_agent.ini" <<EOF
[DEFAULT]
nova_metadata_host = $HOSTIP
metadata_proxy_shared_secret = stackpit-metadata
metadata_workers = 1
EOF

  # ---------------------------------------------------------------- cinder
  cat >"$ETC/cinder/cinder.conf" <<EOF
[DEFAULT]
my_ip = $HOSTIP
host = control01
use_stderr = true
osapi_volume_listen = $HOSTIP
osapi_volume_listen_port = 8776
osapi_volume_workers = 1
auth_strategy = keystone
transport_url = $TRANSPORT
state_path = $RUN/cinder
api_paste_config = /etc/cinder/api-paste.ini
glance_api_servers = http://$HOSTIP:9292
report_interval = 5
service_down_time = 30
enabled_backends = fake
[fake]
volume_driver = $CINDER_DRIVER
volume_backend_name = fake
[database]
connection = $DB/cinder
[oslo_concurrency]
lock_path = $RUN/cinder/lock
[oslo_messaging_notifications]
driver = noop
$(authtoken)
$(legacy_policy)
EOF
}
