"""Lab hosts for the benchmark: fresh ones for every tool run, the OpenSSH floor, the check.

Hosts come from the test lab (tests/lab: the same image and `Lab` as the integration
tests): sshd containers on the Docker bridge that this run starts and removes. Every tool
gets hosts that have never seen the workload, so its first run really changes things.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from bench.errors import BenchError
from bench.expected import STATE_SCRIPT, state_differences
from tests.lab import Lab, LabError, LabHost
from tests.lab.clients import OPENSSH_OPTIONS


class BenchLab:
    """The run's lab: `fresh(n)` replaces the current hosts by n new ones."""

    def __init__(self, workdir: Path) -> None:
        self.lab = Lab(workdir, name_prefix="dybench")
        self.hosts: list[LabHost] = []

    def prepare(self) -> str:
        """Check Docker and build (or find) the lab image; returns the image tag."""
        try:
            self.lab.check_docker()
            return self.lab.ensure_image()
        except LabError as error:
            raise BenchError(error.message, hint=error.hint) from None

    def fresh(self, count: int) -> list[LabHost]:
        """Remove the current hosts and start `count` new ones (sshd answering)."""
        self.stop()
        try:
            self.hosts = self.lab.start(count)
        except LabError as error:
            raise BenchError(error.message, hint=error.hint) from None
        return self.hosts

    def stop(self) -> None:
        self.lab.stop()
        self.hosts = []

    @property
    def key_path(self) -> Path:
        return self.lab.key_path


def ssh_floor(hosts: Sequence[LabHost]) -> float:
    """Seconds for OpenSSH to run `true` on every host, all connections at once."""
    started = time.monotonic()
    processes = [
        subprocess.Popen(
            _ssh_true(host),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for host in hosts
    ]
    failed = []
    for host, process in zip(hosts, processes, strict=True):
        error = process.communicate()[1]
        if process.returncode:
            failed.append(f"{host.name}: {error.strip() or f'exit {process.returncode}'}")
    seconds = time.monotonic() - started
    if failed:
        raise BenchError(f"`ssh host true` failed on {len(failed)} host(s): {failed[0]}")
    return seconds


def _ssh_true(host: LabHost) -> list[str]:
    target = f"{host.user}@{host.address}"
    return ["ssh", "-i", str(host.key_path), *OPENSSH_OPTIONS, "-p", str(host.port), target, "true"]


def check_state(hosts: Sequence[LabHost]) -> list[LabHost]:
    """Read the first, middle and last host from outside; raise if one is not as expected."""
    sample = list({id(h): h for h in (hosts[0], hosts[len(hosts) // 2], hosts[-1])}.values())
    for host in sample:
        result = host.exec(STATE_SCRIPT)
        differences = state_differences(host.name, result.stdout)
        if differences:
            shown = "\n  ".join(differences[:8])
            raise BenchError(f"{host.name} is not in the expected state after the run:\n  {shown}")
    return sample
