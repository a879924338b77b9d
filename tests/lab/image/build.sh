#!/bin/sh
# build.sh TAG [WORKDIR [EXTRA]]: build the lab host image and `docker import` it as TAG.
#
# Debian bookworm, minbase variant, from the Debian archive through apt (mmdebstrap's
# default mirrors; $DOCKYARD_LAB_MIRROR overrides them), plus the packages listed in
# packages.txt and the files installed by customize.sh. Called by `python -m tests.lab
# build` (tests/lab/image.py), which names TAG after a hash of this directory.
#
# EXTRA is the directory of an image variant (e.g. tests/lab/image-docker): its
# packages.txt is added to ours and its customize.sh runs after ours.
set -eu
tag=$1
workdir=${2:-${TMPDIR:-/tmp}}
here=$(cd "$(dirname "$0")" && pwd)
command -v mmdebstrap >/dev/null 2>&1 \
    || { echo "build.sh: mmdebstrap is not installed (apt-get install mmdebstrap)" >&2; exit 1; }

extra=${3:-}
extra_packages=/dev/null
extra_hook=true
if [ -n "$extra" ]; then
    extra_packages=$extra/packages.txt
    extra_hook="$extra/customize.sh \"\$1\""
fi
packages=$(cat "$here/packages.txt" "$extra_packages" | grep -v '^\s*#' | grep -v '^\s*$' | paste -sd, -)
tarball=$(mktemp "$workdir/dockyard-lab-rootfs.XXXXXX.tar")
trap 'rm -f "$tarball"' EXIT

# shellcheck disable=SC2086  # DOCKYARD_LAB_MIRROR may hold several mirrors
mmdebstrap --variant=minbase --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook="$here/customize.sh \"\$1\"" \
    --customize-hook="$extra_hook" \
    bookworm "$tarball" ${DOCKYARD_LAB_MIRROR:-}

docker import \
    --change 'ENTRYPOINT ["/usr/local/sbin/lab-init"]' \
    --change 'EXPOSE 22' \
    --change "LABEL dockyard.lab.image=$tag" \
    --message "dockyard lab host (Debian bookworm, sshd${extra:+, $(basename "$extra")})" \
    "$tarball" "$tag" >/dev/null
echo "build.sh: imported $tag" >&2
