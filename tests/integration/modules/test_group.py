"""group on a fresh host: create, change gid, remove."""

from __future__ import annotations

from dockyard.connection import SSHConnection
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost


def groups(host: LabHost) -> str:
    return host.exec("getent group deploy builders; true").stdout


def test_create_then_change_gid(own_host: LabHost, own_conn: SSHConnection) -> None:
    first, _ = assert_contract(own_conn, "group", {"name": "deploy", "gid": 1500},
                               {"name": "deploy", "gid": 1501}, lambda: groups(own_host))
    assert groups(own_host) == "deploy:x:1500:\n"
    assert first.result == {"changed": True, "failed": False, "diff": first.result["diff"], "name": "deploy",
                            "state": "present", "gid": 1500, "system": False}
    assert_contract(own_conn, "group", {"name": "deploy", "gid": 1600}, {"name": "deploy", "gid": 1500},
                    lambda: groups(own_host))
    assert groups(own_host) == "deploy:x:1600:\n"


def test_system_group_gets_a_system_gid_reported(own_host: LabHost, own_conn: SSHConnection) -> None:
    outcome = run(own_conn, "group", {"name": "builders", "system": True})
    gid = int(own_host.exec("getent group builders | cut -d: -f3").stdout)
    assert gid < 1000 and outcome.result["gid"] == gid


def test_absent(own_host: LabHost, own_conn: SSHConnection) -> None:
    own_host.exec("groupadd deploy && groupadd builders", check=True)
    assert_contract(own_conn, "group", {"name": "deploy", "state": "absent"},
                    {"name": "builders", "state": "absent"}, lambda: groups(own_host))
    assert groups(own_host).startswith("builders:")
