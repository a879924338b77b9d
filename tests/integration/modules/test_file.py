from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost


def stat(host: LabHost, path: str) -> str:
    return host.exec(f"stat -c '%F %a %U %G' {path} 2>&1; readlink {path} || true").stdout


def test_directory(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    path = "/srv/file-dir/a/b"
    first, _ = assert_contract(
        shared_conn, "file", {"path": path, "state": "directory", "mode": "0750", "owner": "dockyard"},
        {"path": path, "state": "directory", "mode": "0700"}, lambda: stat(shared_host, path))
    assert stat(shared_host, path).startswith("directory 750 dockyard root")
    assert first.result["diff"]


def test_touch_then_symbolic_mode(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    path = "/tmp/file-touch"
    run(shared_conn, "file", {"path": path, "state": "touch"})
    assert_contract(shared_conn, "file", {"path": path, "mode": "u=rw,g=r,o="},
                    {"path": path, "mode": "u=rwx"}, lambda: stat(shared_host, path))
    assert stat(shared_host, path).startswith("regular empty file 640")


def test_symlink(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    assert_contract(shared_conn, "file", {"src": "/etc/hostname", "dest": "/tmp/file-link", "state": "link"},
                    {"src": "/etc/hosts", "dest": "/tmp/file-link", "state": "link"},
                    lambda: stat(shared_host, "/tmp/file-link"))
    assert stat(shared_host, "/tmp/file-link").endswith("/etc/hostname\n")


def test_absent(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    shared_host.exec("mkdir -p /tmp/file-gone/x && touch /tmp/file-gone/x/y", check=True)
    run(shared_conn, "file", {"path": "/tmp/file-gone2", "state": "directory"})
    assert_contract(shared_conn, "file", {"path": "/tmp/file-gone", "state": "absent"},
                    {"path": "/tmp/file-gone2", "state": "absent"},
                    lambda: shared_host.exec("ls -d /tmp/file-gone* 2>&1").stdout)


def test_recurse_owner(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    shared_host.exec("mkdir -p /srv/rec/sub && touch /srv/rec/sub/f", check=True)
    snapshot = lambda: shared_host.exec("find /srv/rec -printf '%p %u %m\\n' | sort").stdout  # noqa: E731
    assert_contract(shared_conn, "file", {"path": "/srv/rec", "state": "directory", "owner": "dockyard",
                                          "recurse": True},
                    {"path": "/srv/rec", "state": "directory", "owner": "pwuser", "recurse": True},
                    snapshot)
    assert "sub/f dockyard" in snapshot()


def test_state_file_on_missing_path_fails_clearly(shared_conn: SSHConnection) -> None:
    from dockyard.errors import ModuleError

    with pytest.raises(ModuleError, match="does not exist"):
        run(shared_conn, "file", {"path": "/tmp/nope-nothing", "state": "file"})


def test_every_created_parent_gets_mode_and_owner(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    """As in Ansible: each directory the task creates gets the mode and owner, not only the last."""
    shared_host.exec("rm -rf /srv/parents", check=True)
    run(shared_conn, "file", {"path": "/srv/parents/a b/c", "state": "directory", "mode": "0750",
                              "owner": "dockyard"})
    listing = shared_host.exec("stat -c '%n %a %U' /srv/parents '/srv/parents/a b' '/srv/parents/a b/c'").stdout
    assert listing.splitlines() == ["/srv/parents 750 dockyard", "/srv/parents/a b 750 dockyard",
                                    "/srv/parents/a b/c 750 dockyard"]
    assert shared_host.exec("stat -c %a /srv").stdout.strip() != "750"  # existing parents untouched
