"""gather.sh itself: POSIX shells, missing commands, hanging daemons, one round trip.

These run the real script on this machine (no network: only local files,
local commands and a unix socket created by the test).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.connection.base import Become, CommandResult
from dockyard.connection.local import LocalConnection
from dockyard.errors import FactError
from dockyard.facts.base import FACTS_SHELL, facts_command, facts_script, parse_document
from dockyard.facts.gather import gather_facts, parse_facts

SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
BUSYBOX = shutil.which("busybox")
needs_busybox = pytest.mark.skipif(BUSYBOX is None, reason="busybox is not installed")


def _run(
    argv: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    program = shutil.which(argv[0]) or argv[0]  # found on our PATH, not the script's
    return subprocess.run(
        [program, *argv[1:], facts_command()],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd="/",
    )


@pytest.fixture(scope="module")
def applets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding only busybox applets: a busybox-only userland on PATH."""
    if BUSYBOX is None:
        pytest.skip("busybox is not installed")
    path = tmp_path_factory.mktemp("applets")
    subprocess.run([BUSYBOX, "--install", "-s", str(path)], check=True)
    return path


def test_script_is_plain_posix_sh() -> None:
    script = facts_script()
    subprocess.run(["sh", "-n", "-c", script], check=True)
    if shutil.which("checkbashisms") is None:
        pytest.skip("checkbashisms (devscripts) is not installed")
    result = subprocess.run(["checkbashisms", "-"], input=script, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("shell", ["dash", "busybox"])
def test_runs_under_each_shell(shell: str) -> None:
    argv = ["dash", "-c"] if shell == "dash" else [BUSYBOX or "busybox", "sh", "-c"]
    if shutil.which(argv[0]) is None:
        pytest.skip(f"{shell} is not installed")
    result = _run(argv, {"PATH": SYSTEM_PATH, "HOME": "/root", "LANG": "C.UTF-8"})
    assert result.returncode == 0, result.stderr
    facts = parse_facts(result.stdout, host=shell)
    assert facts["ansible_distribution"] == "Debian"
    assert facts["ansible_interfaces"]


@needs_busybox
def test_runs_with_only_busybox_applets(applets: Path) -> None:
    result = _run([BUSYBOX or "busybox", "sh", "-c"], {"PATH": str(applets)})
    assert result.returncode == 0, result.stderr
    facts = parse_facts(result.stdout, host="busybox")
    assert facts["ansible_default_ipv4"]["address"] in facts["ansible_all_ipv4_addresses"]
    assert facts["ansible_mounts"] and facts["ansible_memtotal_mb"] > 0


def test_missing_every_command_still_ends_cleanly() -> None:
    """With no command at all on PATH the script still prints a whole document."""
    result = _run(["dash", "-c"], {"PATH": "/nonexistent"})
    assert result.returncode == 0
    doc = parse_document(result.stdout, host="empty")
    assert "end" in doc and doc.text("uname") == "\n"
    with pytest.raises(FactError, match="uname"):
        parse_facts(result.stdout, host="empty")


@pytest.fixture
def hung_docker_socket(tmp_path: Path) -> Iterator[str]:
    """A unix socket that accepts connections and never answers: a hung dockerd."""
    path = tmp_path / "docker.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(8)
    try:
        yield f"unix://{path}"
    finally:
        server.close()


@pytest.mark.skipif(shutil.which("docker") is None, reason="the docker CLI is not installed")
def test_hung_docker_daemon_is_cut_off_by_timeout(hung_docker_socket: str) -> None:
    started = time.monotonic()
    result = _run(["dash", "-c"], {"PATH": SYSTEM_PATH, "DOCKER_HOST": hung_docker_socket})
    elapsed = time.monotonic() - started
    facts = parse_facts(result.stdout, host="hung")
    assert 4.5 < elapsed < 12, elapsed
    assert facts["dockyard_swarm"]["state"] == "unknown"
    assert not facts["dockyard_container_runtime"]["docker"]["reachable"]


@needs_busybox
@pytest.mark.skipif(shutil.which("docker") is None, reason="the docker CLI is not installed")
def test_hung_docker_daemon_without_timeout_command(
    applets: Path, hung_docker_socket: str, tmp_path: Path
) -> None:
    """No ``timeout`` binary: the script's own watchdog must stop docker."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for applet in applets.iterdir():
        if applet.name != "timeout":
            (bin_dir / applet.name).symlink_to(applet.resolve())
    (bin_dir / "docker").symlink_to(shutil.which("docker") or "")
    started = time.monotonic()
    result = _run(
        [BUSYBOX or "busybox", "sh", "-c"],
        {"PATH": str(bin_dir), "DOCKER_HOST": hung_docker_socket},
    )
    elapsed = time.monotonic() - started
    assert 4.5 < elapsed < 12, elapsed
    assert parse_facts(result.stdout, host="hung")["dockyard_swarm"]["state"] == "unknown"


class CountingLocalConnection(LocalConnection):
    """The real local connection, counting the commands it runs."""

    def __init__(self) -> None:
        super().__init__("counted")
        self.commands: list[tuple[str, bytes | None]] = []

    def run(
        self,
        command: str,
        *,
        stdin: bytes | None = None,
        become: Become | None = None,
        timeout: float | None = None,
        env: dict[str, str] | None = None,
    ) -> CommandResult:
        self.commands.append((command, stdin))
        return super().run(command, stdin=stdin, become=become, timeout=timeout, env=env)


def test_gather_facts_is_one_command() -> None:
    conn = CountingLocalConnection()
    facts = gather_facts(conn)
    assert len(conn.commands) == 1
    command, stdin = conn.commands[0]
    assert command == FACTS_SHELL
    assert stdin is not None and facts_script() in stdin.decode()
    assert facts["ansible_nodename"] == os.uname().nodename
    assert facts["ansible_kernel"] == os.uname().release
    assert facts["ansible_user_uid"] == os.getuid()


def test_the_script_may_come_on_stdin_of_sh_s() -> None:
    """What gather_facts does: the script arrives on stdin and redirects stdin itself."""
    result = subprocess.run(
        ["dash", "-c", FACTS_SHELL],
        input=facts_command(),
        env={"PATH": SYSTEM_PATH},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "end" in parse_document(result.stdout, host="stdin")


def test_a_failed_run_is_a_fact_error_naming_the_host() -> None:
    """The script never fails by itself; a killed shell (here: timed out) must not parse."""
    with pytest.raises(FactError, match="exit code 124") as info:
        gather_facts(LocalConnection("web1"), timeout=0.001)
    assert info.value.host == "web1"
    assert "timed out" in info.value.message
