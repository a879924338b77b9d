"""`Lab`: a set of SSH host containers owned by one test session, bench run or `up`.

    lab = Lab(Path("/tmp/mylab"))
    lab.ensure_image()                      # builds dockyard-lab:<hash> once, ~30 s
    hosts = lab.start(10)                   # lab01..lab10, started in parallel
    lab.write_inventory(Path("/tmp/mylab/hosts.ini"))
    ...
    lab.stop()                              # removes exactly these containers

    net = lab.create_network("swarm")       # a bridge of this Lab alone, no route beyond it
    nodes = lab.start(3, kind=DOCKER_HOST, network=net)   # privileged, own dockerd

A Lab owns a workdir holding its SSH key pair (ed25519, authorized for `dockyard` and
`pwuser` on every host it starts) and build logs. Its containers are labelled with the
Lab's session id and owner PID (see tests/lab/docker.py), so `python -m tests.lab down
--all` or `remove_stale_containers()` can find them after a crash.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.lab import docker as dk
from tests.lab.docker import LabError
from tests.lab.host import SSH_HOST, HostKind, LabHost
from tests.lab.image import ensure_image
from tests.lab.inventory import render_inventory

START_PARALLELISM = 8


class Lab:
    """Starts, tracks and removes lab host containers; see the module docstring."""

    def __init__(
        self,
        workdir: Path,
        *,
        name_prefix: str = "dylab",
        session: str | None = None,
        keep: bool = False,
    ) -> None:
        """`keep=True` (for `up`) leaves out the owner PID: such hosts are never stale.

        The key pair is made once per workdir and reused by later Labs on the same workdir.
        """
        self.workdir = workdir
        self.name_prefix = name_prefix
        self.session = session or uuid.uuid4().hex[:8]
        self.owner_pid = None if keep else os.getpid()
        self.hosts: list[LabHost] = []
        self.networks: list[str] = []
        self._next_index = 1
        workdir.mkdir(parents=True, exist_ok=True)
        self.key_path = workdir / "id_ed25519"
        """The private key (OpenSSH format, no passphrase) every lab host authorizes."""
        if not self.key_path.exists():
            _write_key_pair(self.key_path)
        self.public_key = self.key_path.with_suffix(".pub").read_text().strip()

    def check_docker(self) -> None:
        """Raise `LabError` (with the way to start dockerd) unless Docker answers."""
        dk.require_docker()

    def ensure_image(self, kind: HostKind = SSH_HOST) -> str:
        """The image tag for `kind`, built first if Docker lacks it (progress on stderr)."""
        return ensure_image(kind.recipe, self.workdir)

    def create_network(self, name: str) -> str:
        """A Docker bridge network of this Lab alone, removed by `stop()`; returns its name.

        It is `--internal`: its containers reach each other and the machine running the
        tests reaches them, but nothing is forwarded beyond the bridge (no route out), so
        dockerds and Swarms inside docker hosts talk only among themselves.
        """
        full = f"{self.name_prefix}-{self.session}-{name}"
        labels = [f"{dk.SESSION_LABEL}={self.session}"]
        if self.owner_pid is not None:
            labels.append(f"{dk.OWNER_LABEL}={self.owner_pid}")
        dk.docker("network", "create", "--driver", "bridge", "--internal",
                  *(arg for label in labels for arg in ("--label", label)), full)  # fmt: skip
        self.networks.append(full)
        return full

    def remove_network(self, name: str) -> None:
        """Remove one of this Lab's networks now (its hosts first: see `remove`)."""
        dk.remove_networks([name])
        self.networks = [network for network in self.networks if network != name]

    def start(
        self,
        count: int,
        *,
        privileged: bool = False,
        kind: HostKind = SSH_HOST,
        network: str | None = None,
    ) -> list[LabHost]:
        """Start `count` hosts in parallel and return them once each one's sshd answers.

        `network` (from `create_network`) puts them on that bridge instead of Docker's default.
        """
        if count < 1:
            raise LabError(f"cannot start {count} hosts")
        image = self.ensure_image(kind)
        names = [self._host_name(self._next_index + i) for i in range(count)]
        self._next_index += count
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=min(count, START_PARALLELISM)) as pool:
            runs = list(pool.map(lambda n: self._run(n, image, kind, privileged, network), names))
        containers = [c for c in runs if c is not None]
        hosts = self.adopt(containers)
        if len(containers) < count:
            raise LabError(f"only {len(containers)} of {count} lab hosts started; see above")
        with ThreadPoolExecutor(max_workers=min(count, 32)) as pool:
            list(pool.map(lambda host: host.wait_for_ssh(timeout=60), hosts))
        elapsed = time.monotonic() - started
        print(f"lab: {count} hosts ready in {elapsed:.1f}s", file=sys.stderr)
        return hosts

    def adopt(self, containers: Sequence[str]) -> list[LabHost]:
        """Track running lab containers (e.g. an earlier `up`'s) as hosts of this Lab."""
        hosts = []
        infos = sorted(dk.inspect(containers), key=lambda i: _by_number(i["Config"]["Labels"]))
        for info in infos:
            labels = info["Config"]["Labels"]
            hosts.append(
                LabHost(
                    name=labels[dk.HOST_LABEL],
                    address=dk.container_address(info),
                    container=info["Id"][:12],
                    key_path=self.key_path,
                    kind=labels.get(dk.KIND_LABEL, SSH_HOST.name),
                )
            )
            index = labels[dk.HOST_LABEL].removeprefix("lab")
            if index.isdigit():
                self._next_index = max(self._next_index, int(index) + 1)
        self.hosts += hosts
        return hosts

    def remove(self, hosts: Sequence[LabHost]) -> None:
        """Remove some of this Lab's hosts (e.g. one test's fresh hosts) now."""
        dk.remove_containers([host.container for host in hosts])
        gone = {host.container for host in hosts}
        self.hosts = [host for host in self.hosts if host.container not in gone]

    def stop(self) -> None:
        """Remove exactly the containers and networks this Lab made (the others are left alone)."""
        self.remove(list(self.hosts))
        dk.remove_networks(self.networks)
        self.networks = []

    def write_inventory(
        self,
        path: Path,
        hosts: Sequence[LabHost] | None = None,
        groups: Mapping[str, Sequence[LabHost]] | None = None,
        *,
        user: str | None = None,
        all_vars: Mapping[str, str] | None = None,
    ) -> Path:
        """Write an INI inventory of `hosts` (default: all of this Lab's) and return `path`."""
        text = render_inventory(
            self.hosts if hosts is None else hosts,
            groups=groups,
            user=user,
            all_vars=all_vars,
            comment=f"dockyard test lab, session {self.session}",
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def _host_name(self, index: int) -> str:
        return f"lab{index:02d}"

    def _run(
        self, name: str, image: str, kind: HostKind, privileged: bool, network: str | None
    ) -> str | None:
        """`docker run` one host; returns its container id, or None after printing why not."""
        labels = [f"{dk.SESSION_LABEL}={self.session}", f"{dk.HOST_LABEL}={name}"]
        labels.append(f"{dk.KIND_LABEL}={kind.name}")
        if self.owner_pid is not None:
            labels.append(f"{dk.OWNER_LABEL}={self.owner_pid}")
        args = ["run", "--detach", "--name", f"{self.name_prefix}-{self.session}-{name}"]
        args += ["--hostname", name, "--env", f"LAB_AUTHORIZED_KEY={self.public_key}"]
        args += [arg for label in labels for arg in ("--label", label)]
        if privileged or kind.privileged:
            args.append("--privileged")
        if network is not None:
            args += ["--network", network]
        result = dk.docker(*args, *kind.run_args, image, check=False)
        if result.returncode != 0:
            print(f"lab: starting {name} failed: {result.stderr.strip()}", file=sys.stderr)
            return None
        return result.stdout.strip()


def _by_number(labels: dict[str, str]) -> tuple[int, str]:
    """Sort key putting lab9 before lab10."""
    name = labels[dk.HOST_LABEL]
    return len(name), name


def remove_stale_containers() -> int:
    """Remove lab containers (then networks) whose owner process has died; return how many containers."""
    stale = dk.stale_containers()
    dk.remove_containers(stale)
    dk.remove_networks(dk.stale_networks())
    return len(stale)


def _write_key_pair(path: Path) -> None:
    """A fresh ed25519 key pair at `path` (private, mode 0600) and `path.pub`."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)
    path.with_suffix(".pub").write_text(public.decode() + " dockyard-lab\n")
