"""Fixtures for the ``-m vm`` tests: real libvirtd + QEMU (TCG), a locally built image, a private pool.

- ``libvirtd`` (session): started by PID when none answers (tests/vm/libvirtd.py), stopped at the end.
- ``vm_image`` (session): ``dockyard image build`` of the default recipe, cached in the image
  cache (about 3 minutes the first time, then found by its recipe hash).
- ``vm_lab``: one lab per test: a unique lab name and storage pool, an SSH key pair, and the
  provider options (user-mode networking with ``restrict=on``: the guests reach nothing but
  the SSH forward on 127.0.0.1; ``lan:`` switches' PID files in the test's directory). At the
  end, whatever the test left is removed: LAN switches, every domain of the lab, every volume
  of the pool, the pool itself, console logs.

Boot-to-SSH times the tests see are printed in the terminal summary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.vm import libvirtd as harness

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed (pip install -e '.[libvirt]')")

POOL_ROOT = Path("/var/lib/dockyard/test-pools")
CONSOLE_DIR = Path("/var/log/libvirt/qemu")
TIMINGS: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TIMINGS:
        terminalreporter.section("VM timings (boot to SSH, seconds)")
        for line in TIMINGS:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def libvirtd() -> Iterator[str]:
    try:
        started = harness.start()
    except (harness.HarnessError, subprocess.CalledProcessError) as error:
        pytest.fail(f"libvirtd is not available: {error}")
    yield harness.URI
    harness.stop(tuple(started))


@pytest.fixture(scope="session")
def vm_image() -> Path:
    from dockyard.vm.image_build import ImageRecipe, build_image

    return build_image(ImageRecipe(), log=lambda line: print(f"image: {line}"))


@dataclass
class VmLab:
    name: str
    pool: str
    pool_path: Path
    key: Path
    image: Path
    work: Path
    uri: str
    booted: dict[str, float] = field(default_factory=dict)

    @property
    def public_key(self) -> str:
        return Path(f"{self.key}.pub").read_text().strip()

    def options(self) -> dict[str, Any]:
        return {"uri": self.uri, "pool": self.pool, "pool_path": str(self.pool_path), "restrict": True,
                "ssh_private_key": str(self.key), "lan_dir": str(self.lan_dir)}

    @property
    def lan_dir(self) -> Path:
        """PID files and logs of the switches of the lab's ``lan:`` networks."""
        return self.work / "lan"

    def hubs(self) -> list[str]:
        """The LANs of this lab whose switch process runs."""
        from dockyard.vm.lan import hub_pid

        pid_files = sorted(self.lan_dir.glob("*.pid")) if self.lan_dir.is_dir() else []
        return [path.stem for path in pid_files if hub_pid(self.lan_dir, path.stem) is not None]

    def domains(self) -> list[str]:
        """Names of every domain libvirt has that carries this lab in dockyard's metadata."""
        from dockyard.vm.domain import parse_domain

        conn = libvirt.open(self.uri)
        try:
            names = []
            for domain in conn.listAllDomains(0):
                meta = parse_domain(domain.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)).metadata
                if meta is not None and meta.lab == self.name:
                    names.append(domain.name())
            return sorted(names)
        finally:
            conn.close()

    def volumes(self) -> list[str]:
        conn = libvirt.open(self.uri)
        try:
            try:
                pool = conn.storagePoolLookupByName(self.pool)
            except libvirt.libvirtError:
                return []
            pool.refresh(0)
            return sorted(pool.listVolumes())
        finally:
            conn.close()

    def record_boot(self, output: str) -> None:
        """Keep "<vm>: ssh ready on ... after N s" of the machines this run booted (created or
        restarted), not of those it only found running."""
        for line in output.splitlines():
            if ": ssh ready on " in line:
                vm = line.split("]", 1)[-1].strip().split(":", 1)[0]
                how = "created" if f"create vm {vm} " in output else "restarted" if f"{vm}: started again" in output else ""
                if how:
                    seconds = float(line.rsplit("after", 1)[1].split()[0])
                    self.booted[vm] = seconds
                    TIMINGS.append(f"{vm} ({how}): {seconds:.0f} s (host load {os.getloadavg()[0]:.1f})")


def _remove_everything(lab: VmLab) -> None:
    from dockyard.vm.lan import stop_hub

    for lan in lab.hubs():
        stop_hub(lab.lan_dir, lan)
    conn = libvirt.open(lab.uri)
    try:
        for name in lab.domains():
            domain = conn.lookupByName(name)
            if domain.isActive():
                domain.destroy()
            domain.undefine()
            for log in (CONSOLE_DIR / f"{name}-console.log", CONSOLE_DIR / f"{name}.log"):
                log.unlink(missing_ok=True)
        try:
            pool = conn.storagePoolLookupByName(lab.pool)
        except libvirt.libvirtError:
            return
        pool.refresh(0)
        for volume in pool.listAllVolumes(0):
            volume.delete(0)
        if pool.isActive():
            pool.destroy()
        pool.undefine()
    finally:
        conn.close()
        shutil.rmtree(lab.pool_path, ignore_errors=True)


@pytest.fixture
def vm_lab(libvirtd: str, vm_image: Path, tmp_path: Path) -> Iterator[VmLab]:
    name = f"t{uuid.uuid4().hex[:8]}"
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    lab = VmLab(name=name, pool=f"dockyard-{name}", pool_path=POOL_ROOT / name, key=key, image=vm_image,
                work=tmp_path, uri=libvirtd)
    try:
        yield lab
    finally:
        _remove_everything(lab)
