#!/bin/sh
# build.sh TAG [WORKDIR]: the "docker host" variant of the lab image.
#
# The plain lab host (../image: Debian bookworm, sshd, the lab users) plus the packages
# in packages.txt (Debian's docker.io, busybox-static for test images) and the files of
# customize.sh. tests/lab/image.py hashes this directory and ../image together.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../image/build.sh" "$1" "${2:-${TMPDIR:-/tmp}}" "$here"
