#!/bin/sh
# customize.sh ROOTFS: mmdebstrap's customize hook for the lab host image.
#
# Runs on the build machine with the finished Debian root file system at $1: installs
# the lab's files, creates the users and removes anything that must differ per container
# (host keys, machine-id), so that every container starts from the same clean state.
set -eu
root=$1
files=$(dirname "$0")/files

install -m 0755 "$files/counting-sh" "$root/usr/local/bin/counting-sh"
install -m 0755 "$files/lab-init" "$root/usr/local/sbin/lab-init"
install -m 0755 "$files/lab-setup" "$root/usr/local/sbin/lab-setup"
install -m 0644 "$files/sshd_config" "$root/etc/ssh/sshd_config.d/dockyard-lab.conf"
install -m 0440 "$files/sudoers-dockyard" "$root/etc/sudoers.d/dockyard"
echo /usr/local/bin/counting-sh >>"$root/etc/shells"

# dockyard: key or password `dockyard`, sudo without password.
# pwuser:   key or password `pwuser`, sudo asks for the password (member of `sudo`).
chroot "$root" useradd --create-home --shell /usr/local/bin/counting-sh dockyard
chroot "$root" useradd --create-home --shell /usr/local/bin/counting-sh --groups sudo pwuser
printf 'dockyard:dockyard\npwuser:pwuser\n' | chroot "$root" chpasswd
chroot "$root" passwd --lock root >/dev/null

# pam_loginuid cannot write /proc/self/loginuid in a container; as `required` it would
# refuse every SSH session.
sed -i 's/^session\s\+required\s\+pam_loginuid.so/session optional pam_loginuid.so/' \
    "$root/etc/pam.d/sshd"

rm -f "$root"/etc/ssh/ssh_host_*
: >"$root/etc/machine-id"
install -m 0666 /dev/null "$root/var/log/dockyard-exec.log"
