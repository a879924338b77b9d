#!/bin/sh
# customize.sh ROOTFS: mmdebstrap's customize hook for systemd hosts, after ../image's.
#
# systemd starts sshd (Debian's ssh.service); lab-setup.service gives it host keys and
# the lab key first. Units that cannot work in a container are masked, so that the
# system reaches "running" rather than "degraded".
set -eu
root=$1
files=$(dirname "$0")/files

install -m 0644 "$files/lab-setup.service" "$root/etc/systemd/system/lab-setup.service"
ln -sf /etc/systemd/system/lab-setup.service \
    "$root/etc/systemd/system/multi-user.target.wants/lab-setup.service"
ln -sf /lib/systemd/system/ssh.service "$root/etc/systemd/system/multi-user.target.wants/ssh.service"
for unit in getty@tty1.service console-getty.service systemd-udevd.service \
    systemd-udev-trigger.service systemd-modules-load.service sys-kernel-config.mount \
    sys-kernel-debug.mount sys-kernel-tracing.mount; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
