"""blockinfile on a real host: the contract, removal, create, clear errors."""

from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from tests.integration.modules import test_file
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost

conn, host = test_file.conn, test_file.host  # the lab host and SSH connection fixtures

MARKED = "# BEGIN ANSIBLE MANAGED BLOCK\n{}# END ANSIBLE MANAGED BLOCK\n"


def snapshot(host: LabHost, path: str) -> str:
    return host.exec(f"stat -c '%a %U %s' {path} 2>&1; od -c {path} 2>&1").stdout


def test_insert_update_contract(host: LabHost, conn: SSHConnection) -> None:
    path = "/tmp/blockinfile-hosts"
    host.exec(f"printf '127.0.0.1 localhost\\n' > {path}", check=True)
    first, _ = assert_contract(
        conn, "blockinfile", {"path": path, "block": "10.0.0.1 db\n10.0.0.2 cache\n"},
        {"path": path, "block": "10.0.0.1 db\n"}, lambda: snapshot(host, path))
    assert first.result["msg"] == "Block inserted"
    assert host.exec(f"cat {path}").stdout == "127.0.0.1 localhost\n" + MARKED.format(
        "10.0.0.1 db\n10.0.0.2 cache\n")


def test_remove_with_backup(host: LabHost, conn: SSHConnection) -> None:
    path = "/tmp/blockinfile-remove"
    original = "a\n" + MARKED.format("x\n") + "b\n"
    host.exec(f"printf '%s' '{original}' > {path}", check=True)
    outcome = run(conn, "blockinfile", {"path": path, "state": "absent", "backup": True})
    assert outcome.result["msg"] == "Block removed"
    assert host.exec(f"cat {path}").stdout == "a\nb\n"
    assert host.exec(f"cat {outcome.result['backup_file']}").stdout == original
    again = run(conn, "blockinfile", {"path": path, "state": "absent"})
    assert not again.changed


def test_create_custom_marker(host: LabHost, conn: SSHConnection) -> None:
    path = "/tmp/blockinfile-new/conf"
    host.exec("rm -rf /tmp/blockinfile-new", check=True)
    assert_contract(
        conn, "blockinfile", {"path": path, "create": True, "block": "k=v", "marker": "; {mark} app",
                              "insertbefore": "BOF"},
        {"path": path, "create": True, "block": "k=w", "marker": "; {mark} app"},
        lambda: snapshot(host, path))
    assert host.exec(f"cat {path}").stdout == "; BEGIN app\nk=v\n; END app\n"


def test_missing_file_fails_clearly(conn: SSHConnection) -> None:
    with pytest.raises(ModuleError, match="does not exist"):
        run(conn, "blockinfile", {"path": "/tmp/blockinfile-missing", "block": "x"})
