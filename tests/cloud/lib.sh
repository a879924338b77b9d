# shellcheck shell=bash
# Common settings and helpers of dockyard's test cloud, a mini OpenStack Zed (sourced by
# setup.sh, start.sh, stop.sh). Everything listens on 127.0.0.1 only. Adapted from the
# openstack-lab recipe; see docs/openstack.md ("The test cloud").
set -euo pipefail

LAB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MC_STATE="${DOCKYARD_CLOUD_STATE:-/opt/minicloud}"   # all runtime state lives here
ETC="$MC_STATE/etc"; LOG="$MC_STATE/log"; RUN="$MC_STATE/run"; DATA="$MC_STATE/data"
PW="${MC_PASSWORD:-secret}"                      # every password (loopback-only cloud)
HOST_IP=127.0.0.1
SYSPY=/usr/bin/python3                           # Debian's python3 (OpenStack libs live here)
# register.py / ready.py need openstacksdk: Debian's (python3-openstackclient) by default
SDK_PYTHON="${SDK_PYTHON:-/usr/bin/python3}"
DB="mysql+pymysql://os:$PW@127.0.0.1:3306"
RABBIT="rabbit://guest:guest@127.0.0.1:5672/"
KS="http://127.0.0.1:5000"
export PYTHONDONTWRITEBYTECODE=1

# Order matters: start.sh starts in this order, stop.sh stops in reverse.
ALL_SERVICES=(mariadb epmd rabbitmq keystone glance placement neutron nova-api nova-conductor nova-scheduler nova-compute)

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# pymain MODULE:FUNC ARGS... -> run a console-script entry point with Debian's python
pymain() {
  local target=$1; shift
  "$SYSPY" -c "import sys; from ${target%%:*} import ${target##*:} as m; sys.argv[0]='${target%%:*}'; sys.exit(m())" "$@"
}

wait_port() { # wait_port PORT [TIMEOUT]
  local port=$1 t=${2:-120} i=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    i=$((i+1)); [ "$i" -gt $((t*4)) ] && { log "timeout waiting for 127.0.0.1:$port"; return 1; }
    sleep 0.25
  done
}

wait_http() { # wait_http URL [TIMEOUT] : any HTTP answer counts
  local url=$1 t=${2:-120} i=0
  until curl -s -o /dev/null --max-time 2 "$url"; do
    i=$((i+1)); [ "$i" -gt $((t*2)) ] && { log "timeout waiting for $url"; return 1; }
    sleep 0.5
  done
}

is_running() { local f="$RUN/$1.pid"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }

# spawn NAME CMD... : start CMD in its own session (pgid == pid), log to $LOG/NAME.log
spawn() {
  local name=$1; shift
  if is_running "$name"; then log "$name already running (pid $(cat "$RUN/$name.pid"))"; return 0; fi
  setsid "$@" >>"$LOG/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
  log "started $name pid $!"
}

mysql_root() { mariadb --protocol=socket -S "$RUN/mysqld.sock" -uroot "$@"; }

# uwsgi_ini PORT THREADS APP ENV : the uwsgi config of keystone / placement
uwsgi_ini() { cat <<EOF
[uwsgi]
plugins = python3
http-socket = 127.0.0.1:$1
master = true
processes = 1
threads = $2
enable-threads = true
lazy-apps = true
die-on-term = true
no-orphans = true
buffer-size = 65535
need-app = true
# uwsgi's http-socket does not do keep-alive; tell clients not to reuse the connection
add-header = Connection: close
wsgi-file = $LAB/wsgi/$3.py
env = $4
EOF
}

write_configs() {
  mkdir -p "$ETC"/{keystone,glance,placement,nova,neutron/plugins/ml2,rabbitmq} "$LOG" "$RUN" \
           "$DATA"/{mysql,rabbitmq,keystone/fernet-keys,keystone/credential-keys,glance/images,glance/staging,glance/tasks,nova/instances,neutron,locks}
  chmod 700 "$DATA/keystone/fernet-keys" "$DATA/keystone/credential-keys"
  local authtoken
  # keystonemiddleware / service-user block shared by every service
  authtoken() { cat <<EOF
[keystone_authtoken]
www_authenticate_uri = $KS
auth_url = $KS
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $PW
service_token_roles_required = true
EOF
  }
  svcauth() { cat <<EOF
[$1]
auth_type = password
auth_url = $KS
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $PW
region_name = RegionOne
EOF
  }

  # ---------------- MariaDB ----------------
  cat > "$ETC/my.cnf" <<EOF
[mysqld]
datadir = $DATA/mysql
socket = $RUN/mysqld.sock
pid-file = $RUN/mysqld.mariadb.pid
bind-address = 127.0.0.1
port = 3306
skip-name-resolve
skip-log-bin
character-set-server = utf8
collation-server = utf8_general_ci
max_connections = 1000
innodb_buffer_pool_size = 64M
innodb_log_file_size = 32M
innodb_flush_log_at_trx_commit = 0
performance_schema = OFF
log-error = $LOG/mariadb-error.log
EOF

  # ---------------- RabbitMQ ----------------
  cat > "$ETC/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:5672
loopback_users.guest = true
vm_memory_high_watermark.absolute = 1GB
disk_free_limit.absolute = 50MB
log.file.level = warning
EOF
  echo '[].' > "$ETC/rabbitmq/enabled_plugins"
  : > "$ETC/rabbitmq/rabbitmq-env.conf"

  # ---------------- Keystone ----------------
  cat > "$ETC/keystone/keystone.conf" <<EOF
[database]
connection = $DB/keystone
[token]
provider = fernet
expiration = 86400
[fernet_tokens]
key_repository = $DATA/keystone/fernet-keys
[fernet_receipts]
key_repository = $DATA/keystone/fernet-keys
[credential]
key_repository = $DATA/keystone/credential-keys
[cache]
enabled = true
backend = dogpile.cache.memory
EOF
  uwsgi_ini 5000 8 keystone "OS_KEYSTONE_CONFIG_FILES=$ETC/keystone/keystone.conf" > "$ETC/keystone/uwsgi.ini"

  # ---------------- Glance ----------------
  cat > "$ETC/glance/glance-api.conf" <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = 9292
workers = 0
enabled_backends = file:file
node_staging_uri = file://$DATA/glance/staging
[database]
connection = $DB/glance
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = $DATA/glance/images
[os_glance_staging_store]
filesystem_store_datadir = $DATA/glance/staging
[os_glance_tasks_store]
filesystem_store_datadir = $DATA/glance/tasks
[paste_deploy]
flavor = keystone
config_file = $LAB/etc/glance-api-paste.ini
$(authtoken glance)
[oslo_concurrency]
lock_path = $DATA/locks
[oslo_policy]
enforce_new_defaults = false
EOF

  # ---------------- Placement ----------------
  cat > "$ETC/placement/placement.conf" <<EOF
[api]
auth_strategy = keystone
[placement_database]
connection = $DB/placement
$(authtoken placement)
EOF
  uwsgi_ini 8778 4 placement "OS_PLACEMENT_CONFIG_DIR=$ETC/placement" > "$ETC/placement/uwsgi.ini"

  # ---------------- Neutron (ML2, no agents) ----------------
  cat > "$ETC/neutron/neutron.conf" <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = 9696
api_workers = 0
rpc_workers = 0
rpc_state_report_workers = 0
core_plugin = ml2
service_plugins = router
allow_overlapping_ips = true
dhcp_agent_notification = false
auth_strategy = keystone
transport_url = $RABBIT
state_path = $DATA/neutron
api_paste_config = $LAB/etc/neutron-api-paste.ini
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
[database]
connection = $DB/neutron
$(authtoken neutron)
$(svcauth nova nova)
[oslo_concurrency]
lock_path = $DATA/locks
[agent]
root_helper = true
[oslo_policy]
enforce_new_defaults = false
EOF
  cat > "$ETC/neutron/plugins/ml2/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat,vlan,vxlan
tenant_network_types = vxlan
mechanism_drivers = minicloud_noop
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
[ml2_type_vlan]
network_vlan_ranges = physnet1:100:200
[ml2_type_vxlan]
vni_ranges = 1:1000
[securitygroup]
enable_security_group = true
EOF

  # ---------------- Nova (fake virt driver) ----------------
  cat > "$ETC/nova/nova.conf" <<EOF
[DEFAULT]
host = minicloud
my_ip = 127.0.0.1
compute_driver = fake.FakeDriver
transport_url = $RABBIT
state_path = $DATA/nova
instances_path = $DATA/nova/instances
enabled_apis = osapi_compute
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = 8774
osapi_compute_workers = 1
vif_plugging_is_fatal = false
vif_plugging_timeout = 0
allow_resize_to_same_host = true
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = $LAB/etc/nova-api-paste.ini
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
enabled_filters = ComputeFilter,ImagePropertiesFilter
$(authtoken nova)
$(svcauth placement placement)
$(svcauth neutron neutron)
[glance]
region_name = RegionOne
[oslo_concurrency]
lock_path = $DATA/locks
[oslo_messaging_notifications]
driver = noop
[vnc]
enabled = false
[spice]
enabled = false
[oslo_policy]
enforce_new_defaults = false
[cinder]
os_region_name = RegionOne
EOF
}
