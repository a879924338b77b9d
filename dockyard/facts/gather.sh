#!/bin/sh
# dockyard facts: one POSIX sh script, one round trip.
#
# Prints a section document: every section starts on its own line with
# "$M NAME" and holds raw command or file output; the Python side
# (dockyard/facts/) does all the interpreting. $M is a marker chosen by the
# caller (a random nonce), so no file content can be mistaken for a header.
# Rules for this file: POSIX sh only (dash, busybox ash); stdin is /dev/null;
# every missing command or file is simply an absent or empty section; the
# script always exits 0; anything that could hang runs under a timeout.

M=${M:-@@dockyard-facts}
exec </dev/null

sec() { printf '\n%s %s\n' "$M" "$1"; }
have() { command -v "$1" >/dev/null 2>&1; }
# Run a command with a time limit (GNU/busybox timeout, else a watchdog).
tmo() {
    t=$1; shift
    if have timeout; then timeout "$t" "$@"; return; fi
    "$@" & p=$!
    (sleep "$t"; kill "$p") >/dev/null 2>&1 </dev/null & w=$!
    wait "$p"; r=$?
    kill "$w" 2>/dev/null
    return "$r"
}
# Section NAME with the command's stdout, then section "rc:NAME" with its exit code.
run() {
    n=$1; shift
    sec "$n"; "$@" 2>/dev/null; r=$?
    sec "rc:$n"; echo "$r"
}

printf '%s begin 1\n' "$M"

# The environment exactly as a child process sees it, before we touch PATH.
if [ -r /proc/self/environ ]; then
    sec env0; cat /proc/self/environ
else
    sec env; env
fi

# Date, in the user's locale like Python's strftime; outside UTC also January
# and July, which is how CPython computes time.tzname.
sec date
now=$(date '+%Y|%m|%A|%w|%W|%d|%H|%M|%S|%s|%N|%Z|%z' 2>/dev/null)
echo "$now"
s=${now#*|*|*|*|*|*|*|*|*|}; s=${s%%|*}
case $now in *'|UTC|+0000') ;; *)
    case $s in '' | *[!0-9]*) ;; *)
        y=31557600; jan=$((s / y * y))
        date -d "@$jan" '+%z|%Z' 2>/dev/null
        date -d "@$((jan + y / 2))" '+%z|%Z' 2>/dev/null ;;
    esac ;;
esac

# Like Ansible's get_bin_path: PATH first, then the sbin directories.
PATH=$PATH:/sbin:/usr/sbin:/usr/local/sbin
LC_ALL=C
export PATH LC_ALL

sec uname; un=$(uname -snrm 2>/dev/null); echo "$un"
set -f; set -- $un; set +f; node=$2; set --
[ -r /proc/sys/kernel/version ] || run uname_v uname -v
[ -r /proc/self/status ] || run id id
if have getent; then
    addr=$(getent ahosts "$node" 2>/dev/null)
    addr=${addr%%[!0-9A-Fa-f.:]*}
    sec fqdn; [ -n "$addr" ] && getent hosts "$addr" 2>/dev/null
    u=${LOGNAME:-${USER:-${LNAME:-${USERNAME:-}}}}
    sec passwd
    { [ -n "$u" ] && getent passwd "$u"; } || getent passwd "$(id -u)"
else
    sec hostname_f; hostname -f 2>/dev/null
    sec passwd_file; cat /etc/passwd 2>/dev/null
fi

# Which paths and commands exist (shell builtins only: no processes).
sec exists
for p in /run/systemd/system/ /dev/.run/systemd/ /dev/.systemd/ /etc/init/ /sbin/openrc \
    /etc/init.d/ /etc/dinit.d/ /proc/vz /proc/lve /proc/bc /.dockerenv /.dockerinit /proc/xen \
    /rhev/ /dev/kvm /run/ostree-booted /proc/meminfo /proc/cpuinfo /proc/modules /etc/mtab \
    /etc/os-release /usr/lib/os-release /etc/arch-release /etc/vmware-release \
    /usr/bin/rpm-ostree /usr/bin/yum /usr/bin/dnf-3 /usr/bin/dnf5 /usr/bin/dnf /usr/bin/microdnf \
    /usr/bin/apt-get /usr/bin/zypper /usr/sbin/urpmi /usr/bin/pacman /bin/opkg /usr/pkg/bin/pkgin \
    /opt/local/bin/pkgin /opt/tools/bin/pkgin /opt/local/bin/port /usr/local/bin/brew \
    /opt/homebrew/bin/brew /sbin/apk /usr/sbin/pkg /usr/sbin/swlist /usr/bin/emerge \
    /usr/sbin/pkgadd /usr/bin/pkg /usr/bin/xbps-install /usr/local/sbin/pkg /usr/bin/swupd \
    /usr/sbin/sorcery /usr/bin/installp /usr/bin/rpm; do
    [ -e "$p" ] && echo "$p"
done
sec which
for c in systemctl initctl ip dmidecode findmnt lsblk docker containerd k3s; do
    have "$c" && { printf '%s ' "$c"; command -v "$c"; }
done
[ -L /sbin/init ] && { sec init_link; readlink /sbin/init; }
for d in /usr/bin/dnf /usr/bin/microdnf; do
    [ -e "$d" ] && { sec "realpath:$d"; readlink -f "$d"; }
done
[ -e /usr/bin/rpm ] && run rpm_apt /usr/bin/rpm -q --whatprovides /usr/bin/apt-get

# Text files, all in one process: every line as "PATH:LINE".
if [ -e /etc/mtab ]; then mtab=/etc/mtab; else mtab=/proc/mounts; fi
sec files
grep -sH '' /etc/*-release /etc/*_release /etc/*-version /etc/*_version /usr/lib/os-release \
    /etc/coreos/update.conf /proc/sys/kernel/version /proc/self/status /proc/cpuinfo \
    /proc/meminfo "$mtab" /etc/hosts /proc/1/cgroup /proc/modules /proc/1/comm /run/systemd/container \
    /proc/xen/capabilities /sys/hypervisor/type /var/lib/dbus/machine-id /etc/machine-id \
    /sys/devices/virtual/dmi/id/product_name /sys/devices/virtual/dmi/id/sys_vendor \
    /sys/devices/virtual/dmi/id/product_family /sys/devices/virtual/dmi/id/bios_vendor 2>/dev/null
[ -r /proc/1/environ ] && { sec proc1_environ; cat /proc/1/environ 2>/dev/null; }

# Python: $PY if the caller set it (ansible_python_interpreter), else found the
# way Ansible's interpreter discovery finds it.
sec python
for p in ${PY:-python3.13 python3.12 python3.11 python3.10 python3.9 python3.8 /usr/bin/python3 python3}; do
    if have "$p"; then command -v "$p"; "$p" -V 2>&1; break; fi
done

# Hardware.
run findmnt findmnt --list --noheadings --notruncate
run lsblk lsblk --list --noheadings --paths --output NAME,UUID --exclude 2
set --
while read -r dev mnt fs rest; do
    [ "$fs" = none ] && continue
    case $dev in
    /* | \\* | *:/*)
        case $mnt in *\\*) mnt=$(printf '%b' "$mnt") ;; esac
        set -- "$@" "$mnt" ;;
    esac
done <"$mtab"
sec statfs
[ $# -gt 0 ] && tmo 10 stat -f -c '%S %s %b %a %c %d %n' "$@" 2>/dev/null
set --

# Network.
sec netdevs
ls -f /sys/class/net 2>/dev/null || for d in /sys/class/net/*; do echo "${d##*/}"; done
sec sysnet
n=/sys/class/net/*
grep -sH '' $n/address $n/mtu $n/operstate $n/type $n/speed $n/flags $n/bridge/bridge_id \
    $n/bridge/stp_state $n/bonding/slaves $n/bonding/mode $n/bonding/miimon $n/bonding/lacp_rate \
    $n/bonding/primary $n/bonding/all_slaves_active $n/bonding_slave/perm_hwaddr 2>/dev/null
sec netlinks
ls -ld $n/device $n/device/driver/module 2>/dev/null
sec brif
for b in $n/brif; do
    [ -d "$b" ] || continue
    d=${b%/brif}
    for m in $(ls -f "$b" 2>/dev/null || ls "$b"); do
        case $m in . | ..) ;; *) echo "${d##*/} $m" ;; esac
    done
done
if have ip; then
    run ip_addr ip addr show
    run route4 ip -4 route get 8.8.8.8
    run route6 ip -6 route get 2404:6800:400a:800::1012
fi

# Virtualization.
have dmidecode && run dmidecode tmo 5 dmidecode -s system-product-name
[ -d /rhev/ ] && { sec comms; cat /proc/[0-9]*/comm 2>/dev/null; }

# Container runtimes and clusters (dockyard's own facts). `containerd --version`
# runs in the background while `docker info` is captured, so the two Go programs
# overlap; nothing else writes to stdout until `wait` returns.
have containerd && run containerd_version tmo 5 containerd --version &
if have docker; then
    out=$(tmo 5 docker info --format \
        '{{json .Swarm}}{{"\n"}}{{.ServerVersion}}{{"\n"}}{{json .ClientInfo}}' 2>&1)
    r=$?
    wait
    sec docker_info; printf '%s\n' "$out"
    sec rc:docker_info; echo "$r"
    case $out in *'"Version":"'*) ;; *) run docker_version tmo 5 docker --version ;; esac
fi
wait
have k3s && run k3s_version tmo 5 k3s --version

sec end
exit 0
