"""``dockyard image build``: a bootable Debian qcow2 from the Debian archive, for labs without downloads.

The image lands in the image cache under a name that carries the recipe's hash; building an
unchanged recipe again prints the cached path at once. ``vm`` tasks without ``image:`` use
the newest built image.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["register", "run_build"]

DESCRIPTION = """\
Build a BIOS-bootable Debian qcow2 (mmdebstrap, linux-image-cloud-amd64, extlinux,
openssh-server, a NoCloud seed reader) into the image cache and print its path.
Needs root and the Debian packages mmdebstrap, parted, e2fsprogs, extlinux,
syslinux-common and qemu-utils; downloads only from the Debian archive.
"""

EPILOG = """\
examples:
  dockyard image build                        Debian 12 with the light dockyard-seed reader
  dockyard image build --with-docker          ... with docker.io (and a static busybox) preinstalled
  dockyard image build --seed-reader cloud-init --cache-dir /srv/images

A second build of the same recipe prints the cached path at once (use --force to rebuild).
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("image", help="base images for VMs",
                                   description="Base images for the vm module.")
    commands = parser.add_subparsers(dest="image_command", metavar="{build}", required=True)
    build = commands.add_parser("build", help="build a bootable Debian qcow2 from the Debian archive",
                                description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    build.add_argument("--suite", default="bookworm", help="Debian suite (default: bookworm)")
    build.add_argument("--source", action="append", default=[], metavar="LINE",
                       help="an apt source line 'deb URL SUITE main' (repeatable; default: mmdebstrap's "
                       "sources for the suite)")
    build.add_argument("--with-docker", action="store_true",
                       help="preinstall docker.io and busybox-static (the image of `image: dockyard:bookworm-docker`)")
    build.add_argument("--seed-reader", choices=("dockyard-seed", "cloud-init"), default="dockyard-seed",
                       help="what reads the NoCloud seed at first boot (default: dockyard-seed, faster)")
    build.add_argument("--size", type=int, default=4, metavar="GIB", help="virtual disk size (default: 4)")
    build.add_argument("--package", action="append", default=[], metavar="NAME",
                       help="one more Debian package to install (repeatable)")
    build.add_argument("--cache-dir", type=Path, help="image cache (default: $DOCKYARD_IMAGE_CACHE, "
                       "/var/lib/dockyard/images for root, ~/.cache/dockyard/images otherwise)")
    build.add_argument("--force", action="store_true", help="rebuild even if the image is cached")
    build.set_defaults(func=run_build)


def run_build(args: argparse.Namespace) -> int:
    from dockyard.vm.image_build import ImageRecipe, build_image, image_path

    recipe = ImageRecipe(suite=args.suite, sources=tuple(args.source),
                         with_docker=args.with_docker, seed_reader=args.seed_reader, size_gib=args.size,
                         packages=tuple(args.package))
    started = time.monotonic()
    cached = image_path(recipe, args.cache_dir).exists() and not args.force
    path = build_image(recipe, args.cache_dir, force=args.force,
                       log=lambda line: print(f"image: {line}", file=sys.stderr, flush=True))
    if cached:
        print("image: cached (an unchanged recipe)", file=sys.stderr)
    else:
        print(f"image: done in {time.monotonic() - started:.0f} s", file=sys.stderr)
    print(path)
    return 0
