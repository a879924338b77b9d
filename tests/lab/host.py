"""One lab host: a container running sshd, with its own address on the Docker bridge.

Tests reach a host two ways. Through SSH, as dockyard or OpenSSH or paramiko would (the
thing under test), at `address:port` as `user` with the lab key. And from outside, with
`docker exec` as root (`LabHost.exec`), to read or change the host's state without going
through the code under test: that is how a test checks what an SSH run really did.

The counting shell: the lab users' login shell appends one line per SSH exec request to
/var/log/dockyard-exec.log, so `command_count()` is the number of commands a client ran
(docker exec bypasses it and is never counted).
"""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.lab.docker import LabError, docker
from tests.lab.image import DOCKER_HOST_RECIPE, SSH_HOST_RECIPE, SYSTEMD_HOST_RECIPE, Recipe

EXEC_LOG = "/var/log/dockyard-exec.log"
SSHD_DISABLED = "/run/dockyard-lab/sshd.disabled"


@dataclass(frozen=True)
class HostKind:
    """What a lab host is made of: its image recipe and how its container runs.

    `SSH_HOST`: a plain sshd host (lab-init is PID 1). `SYSTEMD_HOST`: systemd is PID 1
    and starts sshd (tmpfs on /run; systemd 252 works with the host's cgroup v1 hierarchies,
    read-only). `DOCKER_HOST`: Debian's docker.io and its own dockerd (started at boot by
    lab-init-docker, data on an anonymous volume removed with the container), for Swarm tests.
    None is `--privileged`: Docker 20.10 then asks for every capability and fails here (this
    machine's bounding set lacks CAP_SYS_RESOURCE), so they get all capabilities but that
    one, no seccomp/AppArmor filter and their own cgroup namespace.
    """

    name: str
    recipe: Recipe
    privileged: bool = False
    run_args: tuple[str, ...] = ()


SSH_HOST = HostKind(name="ssh", recipe=SSH_HOST_RECIPE)
#: Everything --privileged would give but CAP_SYS_RESOURCE (see HostKind), for both kinds below.
_ALMOST_PRIVILEGED = (
    "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
    "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
    "--cgroupns", "private",
)  # fmt: skip
SYSTEMD_HOST = HostKind(
    name="systemd",
    recipe=SYSTEMD_HOST_RECIPE,
    run_args=(
        *_ALMOST_PRIVILEGED, "--tmpfs", "/run", "--tmpfs", "/run/lock",
        "--stop-signal", "SIGRTMIN+3", "--entrypoint", "/sbin/init",
    ),
)  # fmt: skip

DOCKER_HOST = HostKind(
    name="docker",
    recipe=DOCKER_HOST_RECIPE,
    run_args=(
        *_ALMOST_PRIVILEGED, "--security-opt", "systempaths=unconfined",
        "--device-cgroup-rule", "a *:* rwm", "--volume", "/var/lib/docker",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class LabHost:
    """A running lab host. `name` is its inventory name and hostname (lab01, ...)."""

    name: str
    address: str
    container: str
    key_path: Path
    port: int = 22
    user: str = "dockyard"
    kind: str = "ssh"

    def exec(
        self, command: str, *, check: bool = False, user: str = "root", timeout: float = 60.0
    ) -> subprocess.CompletedProcess[str]:
        """Run `sh -c COMMAND` in the container through docker exec (not SSH; not counted)."""
        result = docker(
            "exec", "--user", user, self.container, "sh", "-c", command,
            check=False, timeout=timeout,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise LabError(
                f"{self.name}: `{command}` failed (exit {result.returncode}): "
                f"{result.stderr.strip()}"
            )
        return result

    def command_log(self) -> list[str]:
        """Lines of the exec log: `<user> <first line of the command>`, oldest first."""
        return self.exec(f"cat {EXEC_LOG}", check=True).stdout.splitlines()

    def command_count(self) -> int:
        """How many SSH exec requests (and SFTP sessions) the host has served since reset."""
        return len(self.command_log())

    def reset_command_count(self) -> None:
        self.exec(f": > {EXEC_LOG}", check=True)

    def host_public_keys(self) -> dict[str, str]:
        """The host's public keys by type, e.g. {"ssh-ed25519": "AAAA..."}: known_hosts material."""
        output = self.exec("cat /etc/ssh/ssh_host_*_key.pub", check=True).stdout
        keys = [line.split()[:2] for line in output.splitlines() if line.strip()]
        return {key_type: blob for key_type, blob in keys}

    def regenerate_host_key(self) -> None:
        """Give the host new host keys (as after a reinstall); sshd reloads them at once."""
        self.exec(
            "rm -f /etc/ssh/ssh_host_*"
            " && ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key"
            " && ssh-keygen -q -t ecdsa -N '' -f /etc/ssh/ssh_host_ecdsa_key"
            ' && kill -HUP "$(cat /run/sshd.pid)"',
            check=True,
        )
        time.sleep(0.2)  # sshd re-executes itself on SIGHUP; let the old listener go
        self.wait_for_ssh()

    def wait_for_dockerd(self, timeout: float = 60.0) -> None:
        """Return once the host's own dockerd answers (docker hosts); `LabError` with its log if not."""
        deadline = time.monotonic() + timeout
        while self.exec("docker info --format '{{.ServerVersion}}'", timeout=30).returncode != 0:
            if time.monotonic() > deadline:
                log = self.exec("tail -n 15 /var/log/docker.log /var/log/lab-init-docker.log").stdout
                raise LabError(f"{self.name}: dockerd did not answer within {timeout:g}s:\n{log}")
            time.sleep(0.5)

    def stop_sshd(self) -> None:
        """Stop sshd and drop its sessions: connections are refused until `start_sshd`."""
        self.exec(f"touch {SSHD_DISABLED} && pkill -x sshd; true", check=True)
        deadline = time.monotonic() + 10
        while self.is_listening():
            if time.monotonic() > deadline:
                raise LabError(f"{self.name}: sshd still accepts connections after stop_sshd")
            time.sleep(0.05)

    def start_sshd(self) -> None:
        self.exec(f"rm -f {SSHD_DISABLED}", check=True)
        self.wait_for_ssh()

    def pause(self) -> None:
        """Freeze every process of the host: connections hang instead of being refused."""
        docker("pause", self.container)

    def unpause(self) -> None:
        docker("unpause", self.container)

    def logs(self) -> str:
        """sshd's log (and lab-init's messages): the container's stderr."""
        result = docker("logs", self.container, check=False)
        return result.stdout + result.stderr

    def is_listening(self) -> bool:
        """Does sshd answer with its banner right now?"""
        return read_banner(self.address, self.port, timeout=1.0) is not None

    def wait_for_ssh(self, timeout: float = 30.0) -> None:
        """Return once sshd sends its banner; `LabError` with the container log if it never does."""
        deadline = time.monotonic() + timeout
        while read_banner(self.address, self.port, timeout=1.0) is None:
            if time.monotonic() > deadline:
                tail = "\n".join(self.logs().splitlines()[-15:])
                raise LabError(
                    f"{self.name} ({self.address}): sshd did not answer within {timeout:g}s; "
                    f"container log:\n{tail}"
                )
            time.sleep(0.05)


def read_banner(address: str, port: int, *, timeout: float) -> str | None:
    """The SSH identification line of the server at address:port, or None if none came."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            data = sock.recv(256)
    except OSError:
        return None
    line = data.split(b"\r\n", 1)[0].decode("ascii", errors="replace")
    return line if line.startswith("SSH-") else None
