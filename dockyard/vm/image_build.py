"""``dockyard image build``: a bootable Debian qcow2 made from the Debian archive, cached by recipe.

For offline labs and for the tests here, where no cloud image can be downloaded. The steps
(root, Linux, no network but the Debian archive)::

    mmdebstrap --variant=minbase   systemd, openssh-server, sudo, linux-image-cloud-amd64,
                                   growpart, ifupdown + dhclient, the seed reader; docker.io and
                                   busybox-static on request
    configure                      fstab by label, no apt timers, no host keys, empty machine-id,
                                   extlinux.conf (serial console, apparmor=0 for docker.io,
                                   no_timer_check and panic=10: see EXTLINUX)
    mke2fs -d                      the root filesystem written into a raw file at 1 MiB (ext4 without
                                   the 64bit feature, which extlinux cannot read); msdos label
    extlinux --install + mbr.bin   one offset loop mount; SeaBIOS boots it
    qemu-img convert -O qcow2      into the cache as debian-<suite>[-docker]-<recipe hash>.qcow2

The first boot is configured from a NoCloud seed (:mod:`dockyard.vm.seed`) by cloud-init, or by
the light ``dockyard-seed`` reader shipped in ``dockyard/vm/guest/`` (the default: about 30 s
faster per boot under QEMU without KVM). The recipe hash covers every input, so an unchanged
recipe is found again in the cache at once and a changed one builds a new file.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dockyard.errors import ProviderError
from dockyard.vm.image import default_cache_dir

__all__ = ["ImageRecipe", "build_image", "image_path"]

GUEST_DIR = Path(__file__).resolve().parent / "guest"
#: Bumped when the steps below change in a way the recipe fields do not show.
BUILDER_VERSION = 1
BASE_PACKAGES = (
    "systemd-sysv", "udev", "dbus", "kmod", "openssh-server", "sudo", "cloud-guest-utils", "fdisk",
    "python3", "linux-image-cloud-amd64", "initramfs-tools", "ifupdown", "isc-dhcp-client",
    "iproute2", "netbase", "iputils-ping", "e2fsprogs", "ca-certificates", "less", "procps",
)
#: busybox-static: a one-file root file system for a check service (swarm_check) with no registry.
DOCKER_PACKAGES = ("docker.io", "busybox-static")
SEED_READER_PACKAGES = {"dockyard-seed": ("python3-yaml",), "cloud-init": ("cloud-init",)}
MASKED_UNITS = ("apt-daily.timer", "apt-daily-upgrade.timer", "e2scrub_all.timer",
                "e2scrub_reap.service", "fstrim.timer", "dpkg-db-backup.timer")
TOOLS = {"mmdebstrap": "mmdebstrap", "parted": "parted", "mke2fs": "e2fsprogs",
         "extlinux": "extlinux", "qemu-img": "qemu-utils", "mount": "mount"}
MBR = Path("/usr/lib/syslinux/mbr/mbr.bin")
CLOUD_CFG = """\
# Only look for a NoCloud seed (the cidata ISO); never probe network metadata services.
datasource_list: [NoCloud, None]
# no 'locales' package in the image: cc_locale would fail
locale: false
ssh_genkeytypes: [ed25519, ecdsa]
"""
#: no_timer_check: on a starved host a TCG guest failed the kernel's IO-APIC timer check and
#: panicked ("IO-APIC + timer doesn't work!", seen here at load 120); panic=10: a guest that
#: panics anyway reboots and tries again instead of hanging until the SSH wait times out.
EXTLINUX = """\
DEFAULT linux
TIMEOUT 0
PROMPT 0
LABEL linux
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND root=LABEL=root ro console=tty0 console=ttyS0,115200n8 net.ifnames=0 biosdevname=0 apparmor=0 no_timer_check panic=10
"""

Log = Callable[[str], None]


@dataclass(frozen=True)
class ImageRecipe:
    """What goes into a built image; its hash names the cached file."""

    suite: str = "bookworm"
    #: apt source lines ("deb URL SUITE main"); empty: mmdebstrap's defaults for the suite
    sources: tuple[str, ...] = ()
    with_docker: bool = False
    seed_reader: str = "dockyard-seed"
    size_gib: int = 4
    packages: tuple[str, ...] = field(default_factory=tuple)

    def packages_to_install(self) -> list[str]:
        extra = SEED_READER_PACKAGES[self.seed_reader] + (DOCKER_PACKAGES if self.with_docker else ())
        return [*BASE_PACKAGES, *extra, *self.packages]

    def digest(self) -> str:
        sha = hashlib.sha256(json.dumps([BUILDER_VERSION, asdict(self)], sort_keys=True).encode())
        for path in sorted(GUEST_DIR.iterdir()):
            sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        sha.update(CLOUD_CFG.encode() + EXTLINUX.encode())
        return sha.hexdigest()[:12]

    def file_name(self) -> str:
        flavour = "-docker" if self.with_docker else ""
        reader = "-cloudinit" if self.seed_reader == "cloud-init" else ""
        return f"debian-{self.suite}{flavour}{reader}-{self.digest()}.qcow2"


def image_path(recipe: ImageRecipe, cache_dir: Path | None = None) -> Path:
    """Where ``recipe``'s image is (or will be) cached."""
    return (cache_dir or default_cache_dir()) / recipe.file_name()


def build_image(recipe: ImageRecipe, cache_dir: Path | None = None, *, log: Log = lambda _: None,
                force: bool = False) -> Path:
    """Build ``recipe`` into the cache unless it is there already; return the image's path.

    Concurrent builds of one recipe wait for each other (a file lock), so it is built once.
    """
    if recipe.seed_reader not in SEED_READER_PACKAGES:
        raise ProviderError(f"unknown seed reader '{recipe.seed_reader}'",
                            hint=f"choose one of: {', '.join(SEED_READER_PACKAGES)}")
    target = image_path(recipe, cache_dir)
    if target.exists() and not force:
        return target
    _check_host()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists() and not force:
            return target
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="dockyard-image-", dir=target.parent) as work:
            _build(recipe, Path(work), target, log)
        log(f"built {target} in {time.monotonic() - started:.0f} s")
    return target


def _check_host() -> None:
    if os.geteuid() != 0:
        raise ProviderError("building an image needs root (mmdebstrap --mode=root and a loop mount)",
                            hint="run 'sudo dockyard image build', or give `image:` a downloaded cloud image")
    missing = sorted({package for tool, package in TOOLS.items() if shutil.which(tool) is None})
    if not MBR.exists():
        missing.append("syslinux-common")
    if missing:
        raise ProviderError(f"building an image needs these Debian packages: {', '.join(missing)}",
                            hint=f"apt-get install {' '.join(missing)}")


def _run(argv: Sequence[str], log: Log) -> None:
    done = subprocess.run(list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        tail = "\n".join(done.stdout.splitlines()[-15:])
        raise ProviderError(f"image build step failed ({argv[0]} exited {done.returncode}):\n{tail}",
                            hint="the full command: " + " ".join(argv))


def _build(recipe: ImageRecipe, work: Path, target: Path, log: Log) -> None:
    root = work / "rootfs"
    log(f"mmdebstrap {recipe.suite} ({len(recipe.packages_to_install())} packages)")
    _run(["mmdebstrap", "--variant=minbase", "--mode=root",
          f"--include={','.join(recipe.packages_to_install())}",
          "--aptopt=Acquire::Check-Valid-Until \"false\"", recipe.suite, str(root), *recipe.sources], log)
    log("configuring the root filesystem")
    _configure(recipe, root)
    raw = work / "disk.raw"
    log(f"writing a {recipe.size_gib} GiB disk (msdos label, ext4, extlinux)")
    _make_disk(root, raw, recipe.size_gib, work / "mnt", log)
    partial = target.with_name(f".{target.name}.partial")
    _run(["qemu-img", "convert", "-O", "qcow2", "-c", str(raw), str(partial)], log)
    partial.chmod(0o644)
    partial.replace(target)


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def _configure(recipe: ImageRecipe, root: Path) -> None:
    etc = root / "etc"
    _write(etc / "apt/apt.conf.d/99dockyard-no-valid-until", 'Acquire::Check-Valid-Until "false";\n')
    _write(etc / "fstab", "LABEL=root / ext4 errors=remount-ro 0 0\n")  # pass 0: no fsck at boot
    _write(etc / "hostname", "localhost\n")
    _write(etc / "network/interfaces",
           "auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n")
    _write(etc / "cloud/cloud.cfg.d/90-dockyard.cfg", CLOUD_CFG)
    _write(etc / "machine-id", "")  # regenerated on first boot: each machine gets its own
    (root / "var/lib/dbus/machine-id").unlink(missing_ok=True)
    for key in etc.glob("ssh/ssh_host_*"):
        key.unlink()  # each machine makes its own at first boot
    systemd = etc / "systemd/system"
    for unit in MASKED_UNITS:  # no background apt or fstrim holding locks during a run
        (systemd / unit).unlink(missing_ok=True)
        (systemd / unit).symlink_to("/dev/null")
    if recipe.seed_reader == "dockyard-seed":
        shutil.copy(GUEST_DIR / "dockyard-seed", root / "usr/local/sbin/dockyard-seed")
        (root / "usr/local/sbin/dockyard-seed").chmod(0o755)
        for unit, wanted_by in (("dockyard-seed.service", "sysinit.target"),
                                ("dockyard-seed-final.service", "multi-user.target")):
            shutil.copy(GUEST_DIR / unit, systemd / unit)
            link = systemd / f"{wanted_by}.wants" / unit
            link.parent.mkdir(parents=True, exist_ok=True)
            link.unlink(missing_ok=True)
            link.symlink_to(f"../{unit}")
    _write(root / "boot/extlinux/extlinux.conf", EXTLINUX)
    for leftover in ("var/cache/apt", "var/lib/apt/lists", "tmp"):
        for path in (root / leftover).glob("*"):
            if path.is_file():
                path.unlink()


def _make_disk(root: Path, raw: Path, size_gib: int, mount_point: Path, log: Log) -> None:
    size_mib = size_gib * 1024
    with open(raw, "wb") as handle:
        handle.truncate(size_mib * 1024 * 1024)
    _run(["parted", "-s", str(raw), "mklabel", "msdos", "mkpart", "primary", "ext4", "1MiB", "100%",
          "set", "1", "boot", "on"], log)
    _run(["mke2fs", "-q", "-t", "ext4", "-O", "^64bit", "-L", "root", "-d", str(root),
          "-E", "offset=1048576", str(raw), f"{size_mib - 1}M"], log)
    mount_point.mkdir()
    _run(["mount", "-o", "loop,offset=1048576", str(raw), str(mount_point)], log)
    try:
        _run(["extlinux", "--install", str(mount_point / "boot/extlinux")], log)
    finally:
        _run(["umount", str(mount_point)], log)
    with open(MBR, "rb") as mbr, open(raw, "r+b") as disk:
        disk.write(mbr.read(440))
