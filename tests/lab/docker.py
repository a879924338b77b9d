"""The lab's only way to Docker: the `docker` command-line client, run as a subprocess.

No Docker SDK: the CLI is installed wherever dockerd is, and its error messages are the
ones a person would see by hand. Every failure becomes a `LabError` that says what was
run, what Docker answered and what to do about it.

Containers of the lab carry labels, so leftovers of a crashed run can be found again:

    dockyard.lab=<session>          one label value per `Lab` (test session, bench run, `up`)
    dockyard.lab.host=<name>        lab01, lab02, ...
    dockyard.lab.owner-pid=<pid>    the process that owns them (absent for `up`: kept hosts)
    dockyard.lab.kind=<kind>        ssh or docker (see HostKind)

Networks a Lab creates (`Lab.create_network`) carry the session and owner labels too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

SESSION_LABEL = "dockyard.lab"
HOST_LABEL = "dockyard.lab.host"
OWNER_LABEL = "dockyard.lab.owner-pid"
KIND_LABEL = "dockyard.lab.kind"
DOCKERD_HINT = "start it with `tests/lab/dockerd.sh start` (see docs/lab.md)"


class LabError(Exception):
    """The lab could not do what was asked; `hint` says what a person can do."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\nhint: {self.hint}"


def docker(
    *args: str, check: bool = True, timeout: float = 120.0, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `docker ARGS...` and return its result; raise `LabError` if it fails and `check`."""
    if shutil.which("docker") is None:
        raise LabError(
            "the docker client is not installed",
            hint="install Debian's docker.io (apt-get install docker.io)",
        )
    try:
        result = subprocess.run(
            ["docker", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise LabError(
            f"`docker {' '.join(args[:3])} ...` did not finish in {timeout:g}s"
        ) from error
    if check and result.returncode != 0:
        raise LabError(
            f"`docker {' '.join(args[:3])} ...` failed (exit {result.returncode}): "
            f"{result.stderr.strip() or result.stdout.strip()}",
            hint=DOCKERD_HINT if "Cannot connect" in result.stderr else None,
        )
    return result


def require_docker() -> None:
    """Raise `LabError` unless a Docker daemon answers `docker info`."""
    result = docker("info", "--format", "{{.ServerVersion}}", check=False, timeout=30)
    if result.returncode != 0 or not result.stdout.strip():
        detail = result.stderr.strip().splitlines()
        raise LabError(
            "dockerd does not answer (`docker info`: "
            f"{detail[-1] if detail else 'no server version'})",
            hint=DOCKERD_HINT,
        )


def inspect(containers: Sequence[str]) -> list[dict[str, Any]]:
    """`docker inspect` several containers in one call."""
    if not containers:
        return []
    data: list[dict[str, Any]] = json.loads(docker("inspect", *containers).stdout)
    return data


def container_address(info: dict[str, Any]) -> str:
    """The container's IPv4 address on its (first) Docker network."""
    for network in info["NetworkSettings"]["Networks"].values():
        address = network.get("IPAddress")
        if address:
            return str(address)
    raise LabError(f"container {info['Name'].lstrip('/')} has no IP address")


def find_containers(session: str | None = None) -> list[dict[str, str]]:
    """Lab containers (running or not) of one session, or of every session: id, name, labels."""
    label = SESSION_LABEL if session is None else f"{SESSION_LABEL}={session}"
    result = docker("ps", "--all", "--filter", f"label={label}", "--format", "{{json .}}")
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return [{"id": row["ID"], "name": row["Names"], "labels": row["Labels"]} for row in rows]


def stale_containers() -> list[str]:
    """Ids of lab containers whose owner process is gone (a crashed or killed test run)."""
    return [row["id"] for row in find_containers() if _is_stale(row["labels"])]


def stale_networks() -> list[str]:
    """Names of lab networks whose owner process is gone."""
    result = docker("network", "ls", "--filter", f"label={SESSION_LABEL}", "--format", "{{json .}}")
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return [row["Name"] for row in rows if _is_stale(row.get("Labels", ""))]


def _is_stale(labels_text: str) -> bool:
    labels = dict(item.split("=", 1) for item in labels_text.split(",") if "=" in item)
    owner = labels.get(OWNER_LABEL, "")
    return owner.isdigit() and not _is_alive(int(owner))


def remove_networks(names: Sequence[str]) -> None:
    """`docker network rm` the given networks; ones already gone are not an error."""
    if not names:
        return
    result = docker("network", "rm", *names, check=False)
    errors = [line for line in result.stderr.splitlines() if line.strip() and "not found" not in line]
    if result.returncode != 0 and errors:
        raise LabError(f"could not remove lab networks: {'; '.join(errors)}")


def remove_containers(containers: Sequence[str]) -> None:
    """`docker rm -f` the given containers; ones already gone, or being removed by another
    process (two xdist workers removing the same stale containers at start), are not an error."""
    if not containers:
        return
    result = docker("rm", "--force", "--volumes", *containers, check=False)
    errors = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and "No such container" not in line and "already in progress" not in line
    ]
    if result.returncode != 0 and errors:
        raise LabError(f"could not remove lab containers: {'; '.join(errors)}")


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
