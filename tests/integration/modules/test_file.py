from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.connection import ConnectionOptions, SSHConnection, connect
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost


@pytest.fixture(scope="module")
def host(lab_hosts: list[LabHost]) -> LabHost:
    return lab_hosts[3]


@pytest.fixture
def conn(host: LabHost, tmp_path: Path) -> Iterator[SSHConnection]:
    connection = connect(host.name, {
        "ansible_host": host.address, "ansible_user": host.user,
        "ansible_ssh_private_key_file": str(host.key_path)},
        ConnectionOptions(host_key_checking="off", ssh_config=None, known_hosts=tmp_path / "kh"))
    assert isinstance(connection, SSHConnection)
    yield connection
    connection.close()


def stat(host: LabHost, path: str) -> str:
    return host.exec(f"stat -c '%F %a %U %G' {path} 2>&1; readlink {path} || true").stdout


def test_directory(host: LabHost, conn: SSHConnection) -> None:
    path = "/srv/file-dir/a/b"
    first, _ = assert_contract(
        conn, "file", {"path": path, "state": "directory", "mode": "0750", "owner": "dockyard"},
        {"path": path, "state": "directory", "mode": "0700"}, lambda: stat(host, path))
    assert stat(host, path).startswith("directory 750 dockyard root")
    assert first.result["diff"]


def test_touch_then_symbolic_mode(host: LabHost, conn: SSHConnection) -> None:
    path = "/tmp/file-touch"
    run(conn, "file", {"path": path, "state": "touch"})
    assert_contract(conn, "file", {"path": path, "mode": "u=rw,g=r,o="},
                    {"path": path, "mode": "u=rwx"}, lambda: stat(host, path))
    assert stat(host, path).startswith("regular empty file 640")


def test_symlink(host: LabHost, conn: SSHConnection) -> None:
    assert_contract(conn, "file", {"src": "/etc/hostname", "dest": "/tmp/file-link", "state": "link"},
                    {"src": "/etc/hosts", "dest": "/tmp/file-link", "state": "link"},
                    lambda: stat(host, "/tmp/file-link"))
    assert stat(host, "/tmp/file-link").endswith("/etc/hostname\n")


def test_absent(host: LabHost, conn: SSHConnection) -> None:
    host.exec("mkdir -p /tmp/file-gone/x && touch /tmp/file-gone/x/y", check=True)
    run(conn, "file", {"path": "/tmp/file-gone2", "state": "directory"})
    assert_contract(conn, "file", {"path": "/tmp/file-gone", "state": "absent"},
                    {"path": "/tmp/file-gone2", "state": "absent"},
                    lambda: host.exec("ls -d /tmp/file-gone* 2>&1").stdout)


def test_recurse_owner(host: LabHost, conn: SSHConnection) -> None:
    host.exec("mkdir -p /srv/rec/sub && touch /srv/rec/sub/f", check=True)
    snapshot = lambda: host.exec("find /srv/rec -printf '%p %u %m\\n' | sort").stdout  # noqa: E731
    assert_contract(conn, "file", {"path": "/srv/rec", "state": "directory", "owner": "dockyard",
                                   "recurse": True},
                    {"path": "/srv/rec", "state": "directory", "owner": "pwuser", "recurse": True},
                    snapshot)
    assert "sub/f dockyard" in snapshot()


def test_state_file_on_missing_path_fails_clearly(conn: SSHConnection) -> None:
    from dockyard.errors import ModuleError

    with pytest.raises(ModuleError, match="does not exist"):
        run(conn, "file", {"path": "/tmp/nope-nothing", "state": "file"})
