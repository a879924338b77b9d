#!/bin/sh
# build.sh TAG [WORKDIR]: build the lab host image and `docker import` it as TAG.
#
# Debian bookworm, minbase variant, from the Debian archive through apt (mmdebstrap's
# default mirrors; $DOCKYARD_LAB_MIRROR overrides them), plus the packages listed in
# packages.txt and the files installed by customize.sh. Called by `python -m tests.lab
# build` (tests/lab/image.py), which names TAG after a hash of this directory.
set -eu
tag=$1
workdir=${2:-${TMPDIR:-/tmp}}
here=$(cd "$(dirname "$0")" && pwd)
command -v mmdebstrap >/dev/null 2>&1 \
    || { echo "build.sh: mmdebstrap is not installed (apt-get install mmdebstrap)" >&2; exit 1; }

packages=$(grep -v '^\s*#' "$here/packages.txt" | grep -v '^\s*$' | paste -sd, -)
tarball=$(mktemp "$workdir/dockyard-lab-rootfs.XXXXXX.tar")
trap 'rm -f "$tarball"' EXIT

# shellcheck disable=SC2086  # DOCKYARD_LAB_MIRROR may hold several mirrors
mmdebstrap --variant=minbase --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook="$here/customize.sh \"\$1\"" \
    bookworm "$tarball" ${DOCKYARD_LAB_MIRROR:-}

docker import \
    --change 'ENTRYPOINT ["/usr/local/sbin/lab-init"]' \
    --change 'EXPOSE 22' \
    --change "LABEL dockyard.lab.image=$tag" \
    --message "dockyard lab host (Debian bookworm, sshd)" \
    "$tarball" "$tag" >/dev/null
echo "build.sh: imported $tag" >&2
