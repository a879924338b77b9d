"""The dockyard test lab: real sshd hosts in containers, for integration tests and benches.

Start here: `Lab` (lab.py) starts and removes hosts, `LabHost` (host.py) is one of them,
docs/lab.md tells how it all works and how fast it is. Command line: `python -m tests.lab`.
"""

from __future__ import annotations

from tests.lab.docker import LabError
from tests.lab.host import DOCKER_HOST, SSH_HOST, SYSTEMD_HOST, HostKind, LabHost
from tests.lab.image import Recipe
from tests.lab.lab import Lab, remove_stale_containers

__all__ = [
    "DOCKER_HOST",
    "SSH_HOST",
    "SYSTEMD_HOST",
    "HostKind",
    "Lab",
    "LabError",
    "LabHost",
    "Recipe",
    "remove_stale_containers",
]
