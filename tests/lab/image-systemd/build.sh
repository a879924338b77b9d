#!/bin/sh
# build.sh TAG [WORKDIR]: the "systemd host" variant of the lab image.
#
# The plain lab host (../image: Debian bookworm, sshd, the lab users) plus systemd as
# init (packages.txt) and a unit running lab-setup before sshd (customize.sh). The
# container runs /sbin/init (HostKind SYSTEMD_HOST in tests/lab/host.py).
# tests/lab/image.py hashes this directory and ../image together.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../image/build.sh" "$1" "${2:-${TMPDIR:-/tmp}}" "$here"
