#!/bin/sh
# dockerd.sh: start or stop the Docker engine that the test lab needs.
#
#   tests/lab/dockerd.sh start    start dockerd unless one already answers `docker info`
#   tests/lab/dockerd.sh stop     stop the dockerd that `start` started (by its PID), nothing else
#   tests/lab/dockerd.sh status   say whether a dockerd answers and whether it is ours
#
# These machines have no systemd, so nothing starts dockerd for us. `start` runs it in
# the background with a PID file and a log under $DOCKYARD_LAB_RUN_DIR (default
# /tmp/dockyard-lab/dockerd), waits until it answers, and on failure prints the log tail.
#
# Storage driver: $DOCKYARD_DOCKERD_STORAGE_DRIVER if set; otherwise overlay2 when an
# overlay mount works under the data root (it does on these machines: ext4 root,
# kernel with overlayfs), else fuse-overlayfs when installed, else vfs (slow, but works
# everywhere).
set -eu

RUN_DIR=${DOCKYARD_LAB_RUN_DIR:-/tmp/dockyard-lab/dockerd}
DATA_ROOT=${DOCKYARD_DOCKERD_DATA_ROOT:-/var/lib/docker}
TIMEOUT=${DOCKYARD_DOCKERD_TIMEOUT:-60}
PID_FILE=$RUN_DIR/dockerd.pid
LOG_FILE=$RUN_DIR/dockerd.log

say() { printf 'dockerd.sh: %s\n' "$*" >&2; }

answers() { docker info >/dev/null 2>&1; }

# The PID in our PID file, if that process is still a dockerd.
our_pid() {
    [ -s "$PID_FILE" ] || return 1
    pid=$(cat "$PID_FILE")
    [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = dockerd ] || return 1
    printf '%s\n' "$pid"
}

overlay_works() {
    grep -qw overlay /proc/filesystems 2>/dev/null || return 1
    probe=$(mktemp -d "$DATA_ROOT/.overlay-probe.XXXXXX") || return 1
    mkdir "$probe/lower" "$probe/upper" "$probe/work" "$probe/merged"
    ok=1
    if mount -t overlay overlay \
        -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" \
        "$probe/merged" 2>/dev/null; then
        umount "$probe/merged" && ok=0
    fi
    rm -rf "$probe"
    return "$ok"
}

pick_storage_driver() {
    if [ -n "${DOCKYARD_DOCKERD_STORAGE_DRIVER:-}" ]; then
        printf '%s\n' "$DOCKYARD_DOCKERD_STORAGE_DRIVER"
    elif overlay_works; then
        echo overlay2
    elif command -v fuse-overlayfs >/dev/null 2>&1; then
        echo fuse-overlayfs
    else
        echo vfs
    fi
}

fail_with_log() {
    say "$1"
    say "last lines of $LOG_FILE:"
    tail -n 25 "$LOG_FILE" >&2 || true
    exit 1
}

start() {
    if answers; then
        say "a dockerd already answers; leaving it alone"
        return 0
    fi
    command -v dockerd >/dev/null 2>&1 \
        || { say "dockerd is not installed (Debian: apt-get install docker.io)"; exit 1; }
    command -v docker >/dev/null 2>&1 \
        || { say "the docker client is not installed"; exit 1; }
    [ "$(id -u)" = 0 ] || { say "dockerd must be started as root"; exit 1; }
    mkdir -p "$RUN_DIR" "$DATA_ROOT"
    driver=$(pick_storage_driver)
    say "starting dockerd (storage driver $driver, log $LOG_FILE)"
    nohup dockerd --data-root "$DATA_ROOT" --storage-driver "$driver" \
        --pidfile "$RUN_DIR/dockerd.self.pid" >"$LOG_FILE" 2>&1 </dev/null 9>&- &
    echo "$!" >"$PID_FILE"
    waited=0
    until answers; do
        our_pid >/dev/null || fail_with_log "dockerd exited during start"
        [ "$waited" -lt "$((TIMEOUT * 5))" ] \
            || fail_with_log "dockerd did not answer within ${TIMEOUT}s"
        sleep 0.2
        waited=$((waited + 1))
    done
    say "dockerd is ready (pid $(cat "$PID_FILE"))"
}

stop() {
    if ! pid=$(our_pid); then
        say "no dockerd started by this script is running; nothing to stop"
        rm -f "$PID_FILE"
        return 0
    fi
    say "stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    waited=0
    while [ -d "/proc/$pid" ] && [ "$waited" -lt 150 ]; do
        sleep 0.2
        waited=$((waited + 1))
    done
    if [ -d "/proc/$pid" ]; then
        say "dockerd did not stop within 30s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
}

status() {
    if pid=$(our_pid); then
        say "dockerd started by this script is running (pid $pid)"
    elif answers; then
        say "a dockerd answers, not started by this script"
    else
        say "no dockerd answers"
        return 1
    fi
}

mkdir -p "$RUN_DIR"
case "${1:-}" in
start | stop)
    # One start or stop at a time, even from parallel test workers.
    exec 9>"$RUN_DIR/lock"
    flock 9
    "$1"
    ;;
status) status ;;
*)
    say "usage: $0 start|stop|status"
    exit 2
    ;;
esac
