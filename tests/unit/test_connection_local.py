"""The shell text every transport sends, exercised for real through /bin/sh on this machine."""

from __future__ import annotations

import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from dockyard.connection.base import Become
from dockyard.connection.local import LocalConnection
from dockyard.connection.shell import (
    atomic_write_command,
    become_command,
    env_prefix,
    without_env_values,
)
from dockyard.errors import CommandError


@pytest.fixture
def local() -> LocalConnection:
    return LocalConnection()


def test_run_returns_rc_stdout_stderr(local: LocalConnection) -> None:
    result = local.run("echo out; echo err >&2; exit 3")
    assert (result.rc, result.stdout, result.stderr) == (3, b"out\n", b"err\n")
    assert result.tail() == "err"


def test_stdin_and_env_reach_the_command(local: LocalConnection) -> None:
    result = local.run('printf "%s:" "$GREETING"; cat', stdin=b"payload", env={"GREETING": "it's here"})
    assert result.stdout == b"it's here:payload"


def test_env_names_are_validated() -> None:
    with pytest.raises(ValueError):
        env_prefix({"BAD NAME": "x"})


def test_logs_get_scripts_without_their_variables_values(local: LocalConnection) -> None:
    env = {"TOKEN": "it's s3cret", "EMPTY": "", "PLAIN": "abc"}
    script = env_prefix(env) + 'printf "%s" "$TOKEN"; export MINE=1'
    assert local.run(script).stdout == b"it's s3cret"  # the text masked is the text that runs
    shown = without_env_values("( " + script + " )")
    assert shown == "( export TOKEN=*** EMPTY=*** PLAIN=***; printf \"%s\" \"$TOKEN\"; export MINE=1 )"
    assert without_env_values("echo no variables") == "echo no variables"


def test_timeout_gives_rc_124(local: LocalConnection) -> None:
    result = local.run("sleep 5", timeout=0.2)
    assert result.rc == 124 and b"timed out" in result.stderr


def test_put_writes_bytes_with_mode(local: LocalConnection, tmp_path: Path) -> None:
    target = tmp_path / "conf"
    local.put(b"\x00binary\xffdata", str(target), mode=0o640)
    assert target.read_bytes() == b"\x00binary\xffdata"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["conf"]  # no temp file left


def test_put_keeps_an_existing_files_mode(local: LocalConnection, tmp_path: Path) -> None:
    target = tmp_path / "script.sh"
    target.write_text("old")
    target.chmod(0o750)
    local.put(b"new", str(target))
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o750


def test_put_replaces_the_inode_atomically(local: LocalConnection, tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_text("old")
    reader = target.open()  # a reader holding the old file keeps seeing whole old content
    local.put(b"new content", str(target))
    assert reader.read() == "old"
    reader.close()
    assert target.read_text() == "new content"


def test_put_failure_leaves_nothing_behind(local: LocalConnection, tmp_path: Path) -> None:
    target = tmp_path / "f"
    with pytest.raises(CommandError) as info:
        local.put(b"data", str(target), owner="no-such-user-dockyard")
    assert "cannot write" in info.value.message
    assert list(tmp_path.iterdir()) == []


def _start_writer(target: Path, size: int) -> subprocess.Popen[bytes]:
    script = atomic_write_command(str(target), size=size, mode=0o600)
    proc = subprocess.Popen(["/bin/sh", "-c", script], stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(b"half of the new")
    proc.stdin.flush()
    deadline = time.monotonic() + 5
    while len(list(target.parent.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)  # the temp file exists now
    return proc


def test_dropped_connection_mid_transfer_keeps_the_old_file(tmp_path: Path) -> None:
    """The input ends early (as when SSH drops): the partial temp file is never renamed."""
    target = tmp_path / "f"
    target.write_text("old and whole")
    proc = _start_writer(target, size=1000)
    assert proc.stdin is not None
    proc.stdin.close()  # EOF after 15 of 1000 bytes
    assert proc.wait(timeout=5) == 1
    assert proc.stderr is not None and b"incomplete transfer: 15 of 1000" in proc.stderr.read()
    assert target.read_text() == "old and whole"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_killed_writer_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_text("old and whole")
    proc = _start_writer(target, size=1000)
    proc.send_signal(signal.SIGHUP)
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=5)
    assert proc.returncode != 0
    assert target.read_text() == "old and whole"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_become_without_password_uses_sudo_n() -> None:
    command, prefix = become_command("id -u", Become(user="app"))
    assert command.startswith("sudo -n -H -u app -- /bin/sh -c ")
    assert prefix == b""


def test_become_password_travels_on_stdin_only() -> None:
    secret = "s3cr3t'; rm -rf /"
    command, prefix = become_command("id -u", Become(password=secret))
    assert secret not in command
    assert prefix == secret.encode() + b"\n"
    assert "sudo -S -k -p" in command


def test_no_become_wraps_in_posix_sh() -> None:
    command, _ = become_command("echo $0", None)
    assert command == "/bin/sh -c 'echo $0'"
