#!/usr/bin/env bash
# One-time setup of dockyard's test cloud (Debian 12 packages = OpenStack Zed) on a
# fresh machine, then start it. Re-runnable: finished steps are skipped.
#   DOCKYARD_CLOUD_STATE=/opt/minicloud tests/cloud/setup.sh     (state dir)
# Needs root and apt (Debian). No systemd needed. Usually run through
# `python -m tests.cloud up`, which also takes the lock against parallel runs.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export DEBIAN_FRONTEND=noninteractive
T0=$(date +%s)
step() { log "== $* (t+$(( $(date +%s) - T0 ))s)"; }
OSRUN="$LAB/bin/osrun"

# ---------------------------------------------------------------- packages
# Library packages only (python3-nova, not nova-api/nova-compute...): they have
# no debconf/dbconfig questions, no init scripts and pull no libvirt/qemu/ovs.
PKGS=(mariadb-server rabbitmq-server uwsgi-core uwsgi-plugin-python3 curl
      python3-keystone python3-glance python3-placement python3-nova python3-neutron
      python3-openstackclient python3-pymysql)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  step "apt install ${missing[*]}"
  # /usr/sbin/policy-rc.d (exit 101) on this image keeps postinst from starting
  # mariadb/rabbitmq; on an image without it they would start bound to defaults,
  # so we create one for the duration of the install if none exists.
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold install -y -qq \
      --no-install-recommends "${missing[@]}" > "/tmp/minicloud-apt.log" 2>&1 \
      || { tail -30 /tmp/minicloud-apt.log; exit 1; }
  if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

step "write configs"
write_configs

# ---------------------------------------------------------------- database
if [ ! -d "$DATA/mysql/mysql" ]; then
  step "mariadb-install-db"
  mariadb-install-db --defaults-file="$ETC/my.cnf" --user=root --skip-test-db > "$LOG/mariadb-install.log" 2>&1
fi
"$LAB/start.sh" mariadb
if [ ! -f "$DATA/.db-created" ]; then
  step "create databases"
  {
    for db in keystone glance placement neutron nova_api nova nova_cell0; do
      echo "CREATE DATABASE IF NOT EXISTS $db;"
    done
    for h in localhost 127.0.0.1; do
      echo "CREATE USER IF NOT EXISTS 'os'@'$h' IDENTIFIED BY '$PW';"
      echo "GRANT ALL PRIVILEGES ON *.* TO 'os'@'$h';"
    done
  } | mysql_root
  touch "$DATA/.db-created"
fi

# ---------------------------------------------------------------- schemas
# Schemas of glance/placement/neutron/nova are created in the background while
# keystone is initialised, started and filled in the foreground.
if [ ! -f "$DATA/.schemas-done" ]; then
  step "glance/placement/neutron/nova schemas (background)"
  ( "$OSRUN" glance.cmd.manage:main --config-file "$ETC/glance/glance-api.conf" db_sync > "$LOG/glance-dbsync.log" 2>&1 ) &
  g=$!
  ( "$SYSPY" -c 'import sys; from placement.cmd.manage import main; sys.exit(main())' --config-dir "$ETC/placement" db sync > "$LOG/placement-dbsync.log" 2>&1 ) &
  p=$!
  ( "$OSRUN" neutron.db.migration.cli:main --config-file "$ETC/neutron/neutron.conf" \
      --config-file "$ETC/neutron/plugins/ml2/ml2_conf.ini" upgrade heads > "$LOG/neutron-dbsync.log" 2>&1 ) &
  n=$!
  ( set -e
    NM=("$OSRUN" nova.cmd.manage:main --config-file "$ETC/nova/nova.conf")
    "${NM[@]}" api_db sync
    "${NM[@]}" cell_v2 map_cell0 --database_connection "$DB/nova_cell0" || true
    "${NM[@]}" cell_v2 list_cells | grep -q ' cell1 ' || \
      "${NM[@]}" cell_v2 create_cell --name cell1 --database_connection "$DB/nova" --transport-url "$RABBIT"
    "${NM[@]}" db sync ) > "$LOG/nova-dbsync.log" 2>&1 &
  nv=$!
  SCHEMA_JOBS="$g $p $n $nv"
fi

KM=(env OS_KEYSTONE_CONFIG_FILES="$ETC/keystone/keystone.conf" "$OSRUN" keystone.cmd.manage:main --config-file "$ETC/keystone/keystone.conf")
if [ ! -f "$DATA/.keystone-done" ]; then
  step "keystone db_sync + fernet + bootstrap"
  "${KM[@]}" db_sync
  "${KM[@]}" fernet_setup --keystone-user root --keystone-group root
  "${KM[@]}" credential_setup --keystone-user root --keystone-group root
  "${KM[@]}" bootstrap --bootstrap-password "$PW" --bootstrap-username admin \
      --bootstrap-project-name admin --bootstrap-role-name admin \
      --bootstrap-service-name keystone --bootstrap-region-id RegionOne \
      --bootstrap-admin-url "$KS/v3/" --bootstrap-internal-url "$KS/v3/" --bootstrap-public-url "$KS/v3/"
  touch "$DATA/.keystone-done"
fi

"$LAB/start.sh" keystone
if [ ! -f "$DATA/.register-done" ]; then
  step "register service users and endpoints"
  "$SDK_PYTHON" "$LAB/register.py"
  touch "$DATA/.register-done"
fi

if [ -n "${SCHEMA_JOBS:-}" ]; then
  step "waiting for schema jobs"
  for j in $SCHEMA_JOBS; do wait "$j" || { log "a db sync failed, see $LOG/*-dbsync.log"; tail -20 "$LOG"/*-dbsync.log; exit 1; }; done
  touch "$DATA/.schemas-done"
fi

step "start everything"
"$LAB/start.sh"
cp "$LAB/clouds.yaml" "$MC_STATE/clouds.yaml"
step "setup done in $(( $(date +%s) - T0 ))s; clouds.yaml: $MC_STATE/clouds.yaml (cloud 'minicloud')"
