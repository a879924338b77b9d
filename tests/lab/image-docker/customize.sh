#!/bin/sh
# customize.sh ROOTFS: mmdebstrap's customize hook for docker hosts, after ../image's.
#
# Puts lab-init-docker in front of the plain lab-init: it starts dockerd the way a
# sysv boot would (when /etc/rc2.d links it), then hands over to lab-init for sshd.
set -eu
root=$1
files=$(dirname "$0")/files

mv "$root/usr/local/sbin/lab-init" "$root/usr/local/sbin/lab-init-sshd"
install -m 0755 "$files/lab-init-docker" "$root/usr/local/sbin/lab-init"

# Debian's /etc/init.d/docker raises the limits of open files and processes to 1048576 and
# unlimited; raising a hard limit needs CAP_SYS_RESOURCE, which docker hosts lack (see
# lab-init-docker), and the script stops at the first failing command. Keep the limits the
# container has instead (files: 20000 here), which is plenty for a test Swarm.
sed -i 's/^\(\s*ulimit -[npu] [0-9a-z]*\)$/\1 2>\/dev\/null || true/' "$root/etc/init.d/docker"
grep -q 'ulimit -n 1048576 2>/dev/null || true' "$root/etc/init.d/docker"
