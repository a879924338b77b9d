"""blockinfile on a real host: the contract, removal, create, clear errors."""

from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from tests.integration.modules.contract import assert_contract, file_snapshot, run
from tests.lab import LabHost

MARKED = "# BEGIN ANSIBLE MANAGED BLOCK\n{}# END ANSIBLE MANAGED BLOCK\n"


def test_insert_update_contract(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    path = "/tmp/blockinfile-hosts"
    shared_host.exec(f"printf '127.0.0.1 localhost\\n' > {path}", check=True)
    first, _ = assert_contract(
        shared_conn, "blockinfile", {"path": path, "block": "10.0.0.1 db\n10.0.0.2 cache\n"},
        {"path": path, "block": "10.0.0.1 db\n"}, lambda: file_snapshot(shared_host, path))
    assert first.result["msg"] == "Block inserted"
    assert shared_host.exec(f"cat {path}").stdout == "127.0.0.1 localhost\n" + MARKED.format(
        "10.0.0.1 db\n10.0.0.2 cache\n")


def test_remove_with_backup(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    path = "/tmp/blockinfile-remove"
    original = "a\n" + MARKED.format("x\n") + "b\n"
    shared_host.exec(f"printf '%s' '{original}' > {path}", check=True)
    outcome = run(shared_conn, "blockinfile", {"path": path, "state": "absent", "backup": True})
    assert outcome.result["msg"] == "Block removed"
    assert shared_host.exec(f"cat {path}").stdout == "a\nb\n"
    assert shared_host.exec(f"cat {outcome.result['backup_file']}").stdout == original
    again = run(shared_conn, "blockinfile", {"path": path, "state": "absent"})
    assert not again.changed


def test_create_custom_marker(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    path = "/tmp/blockinfile-new/conf"
    shared_host.exec("rm -rf /tmp/blockinfile-new", check=True)
    assert_contract(
        shared_conn, "blockinfile", {"path": path, "create": True, "block": "k=v", "marker": "; {mark} app",
                                     "insertbefore": "BOF"},
        {"path": path, "create": True, "block": "k=w", "marker": "; {mark} app"},
        lambda: file_snapshot(shared_host, path))
    assert shared_host.exec(f"cat {path}").stdout == "; BEGIN app\nk=v\n; END app\n"


def test_missing_file_fails_clearly(shared_conn: SSHConnection) -> None:
    with pytest.raises(ModuleError, match="does not exist"):
        run(shared_conn, "blockinfile", {"path": "/tmp/blockinfile-missing", "block": "x"})
