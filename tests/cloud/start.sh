#!/usr/bin/env bash
# Start the test cloud (after setup.sh has run once). Idempotent: a service
# whose pid file points at a live process is left alone.
#   ./start.sh               all services, then map the compute host into cell1
#   ./start.sh mariadb keystone ...   only those (in the given order)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
T0=$(date +%s%N)
write_configs
OSRUN="$LAB/bin/osrun"

# spawn_one NAME: start it without waiting; wait_one NAME: wait until it answers
spawn_one() {
  case "$1" in
    mariadb)
      spawn mariadb /usr/sbin/mariadbd --defaults-file="$ETC/my.cnf" --user=root ;;
    epmd)
      spawn epmd /usr/bin/epmd -address 127.0.0.1 -port 4369 ;;
    rabbitmq)
      spawn rabbitmq env HOME="$DATA/rabbitmq" ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=4369 \
        RABBITMQ_CONF_ENV_FILE="$ETC/rabbitmq/rabbitmq-env.conf" \
        RABBITMQ_CONFIG_FILE="$ETC/rabbitmq/rabbitmq.conf" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$ETC/rabbitmq/enabled_plugins" \
        RABBITMQ_MNESIA_BASE="$DATA/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$LOG/rabbitmq" \
        RABBITMQ_NODENAME=minicloud@localhost RABBITMQ_DIST_PORT=25672 \
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
        RABBITMQ_PID_FILE="$RUN/rabbitmq.beam.pid" \
        /usr/lib/rabbitmq/bin/rabbitmq-server ;;
    keystone)
      spawn keystone /usr/bin/uwsgi --ini "$ETC/keystone/uwsgi.ini" ;;
    glance)
      spawn glance "$OSRUN" glance.cmd.api:main --config-file "$ETC/glance/glance-api.conf" ;;
    placement)
      spawn placement /usr/bin/uwsgi --ini "$ETC/placement/uwsgi.ini" ;;
    neutron)
      spawn neutron env PYTHONPATH="$LAB/py" "$OSRUN" neutron.cmd.eventlet.server:main \
        --config-file "$ETC/neutron/neutron.conf" --config-file "$ETC/neutron/plugins/ml2/ml2_conf.ini" ;;
    nova-api)
      spawn nova-api "$OSRUN" nova.cmd.api:main --config-file "$ETC/nova/nova.conf" ;;
    nova-conductor|nova-scheduler|nova-compute)
      spawn "$1" "$OSRUN" "nova.cmd.${1#nova-}:main" --config-file "$ETC/nova/nova.conf" ;;
    *) log "unknown service $1"; return 1 ;;
  esac
}
wait_one() {
  case "$1" in
    mariadb) wait_port 3306 60 ;;
    epmd) wait_port 4369 30 ;;
    rabbitmq) wait_port 5672 120 ;;
    keystone) wait_http "$KS/v3" 120 ;;
    glance) wait_http http://127.0.0.1:9292/ 120 ;;
    placement) wait_http http://127.0.0.1:8778/ 120 ;;
    neutron) wait_http http://127.0.0.1:9696/ 180 ;;
    nova-api) wait_http http://127.0.0.1:8774/ 120 ;;
    *) : ;;  # nova-conductor/scheduler/compute: checked through the services table below
  esac
  is_running "$1" || { log "$1 exited, see $LOG/$1.log"; return 1; }
}
start_one() { spawn_one "$1"; wait_one "$1"; }

if [ $# -gt 0 ]; then
  for s in "$@"; do start_one "$s"; done; MAP=0
else
  # Phase 1: database and epmd. Phase 2: everything that only needs them, in
  # parallel (2 cores: wall time is bound by Python imports). nova-compute
  # waits for keystone + placement, since it registers its resource provider
  # on start and would otherwise retry only after a 60 s periodic task.
  start_one mariadb; start_one epmd
  for s in rabbitmq keystone placement glance neutron nova-api nova-conductor nova-scheduler; do spawn_one "$s"; done
  for s in rabbitmq keystone placement; do wait_one "$s"; done
  spawn_one nova-compute
  for s in glance neutron nova-api nova-conductor nova-scheduler nova-compute; do wait_one "$s"; done
  MAP=1
fi

if [ "$MAP" = 1 ]; then
  # nova-compute creates its compute node record on start; then it must be
  # mapped into cell1 (what the scheduler's periodic discover_hosts would do).
  q() { mysql_root -N -B -e "$1"; }
  if [ "$(q "select count(*) from nova_api.host_mappings where host='minicloud'")" = 0 ]; then
    log "waiting for nova-compute to register, then mapping it into cell1"
    for i in $(seq 1 120); do
      is_running nova-compute || { log "nova-compute died, see $LOG/nova-compute.log"; exit 1; }
      [ "$(q "select count(*) from nova.compute_nodes where host='minicloud' and deleted=0")" != 0 ] && break
      sleep 1
    done
    "$OSRUN" nova.cmd.manage:main --config-file "$ETC/nova/nova.conf" cell_v2 discover_hosts --verbose
  fi
  # wait until nova-api answers and every nova service has reported in
  for i in $(seq 1 120); do
    [ "$(q "select count(*) from nova.services where deleted=0 and services.binary in ('nova-compute','nova-conductor','nova-scheduler') and updated_at > now() - interval 60 second")" = 3 ] && break
    sleep 1
  done
fi
if [ "$MAP" = 1 ]; then "$SDK_PYTHON" "$LAB/ready.py"; fi
log "start.sh done in $(( ($(date +%s%N) - T0) / 1000000 )) ms"
