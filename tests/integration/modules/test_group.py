"""group on a fresh host: create, change gid, remove."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.connection import ConnectionOptions, SSHConnection, connect
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost
from tests.lab.fixtures import HostFactory


@pytest.fixture
def host(fresh_host: HostFactory) -> LabHost:
    return fresh_host()


@pytest.fixture
def conn(host: LabHost, tmp_path: Path) -> Iterator[SSHConnection]:
    connection = connect(host.name, {
        "ansible_host": host.address, "ansible_user": host.user,
        "ansible_ssh_private_key_file": str(host.key_path)},
        ConnectionOptions(host_key_checking="off", ssh_config=None, known_hosts=tmp_path / "kh"))
    assert isinstance(connection, SSHConnection)
    yield connection
    connection.close()


def groups(host: LabHost) -> str:
    return host.exec("getent group deploy builders; true").stdout


def test_create_then_change_gid(host: LabHost, conn: SSHConnection) -> None:
    first, _ = assert_contract(conn, "group", {"name": "deploy", "gid": 1500},
                               {"name": "deploy", "gid": 1501}, lambda: groups(host))
    assert groups(host) == "deploy:x:1500:\n"
    assert first.result == {"changed": True, "failed": False, "diff": first.result["diff"], "name": "deploy",
                            "state": "present", "gid": 1500, "system": False}
    assert_contract(conn, "group", {"name": "deploy", "gid": 1600}, {"name": "deploy", "gid": 1500},
                    lambda: groups(host))
    assert groups(host) == "deploy:x:1600:\n"


def test_system_group_gets_a_system_gid_reported(host: LabHost, conn: SSHConnection) -> None:
    outcome = run(conn, "group", {"name": "builders", "system": True})
    gid = int(host.exec("getent group builders | cut -d: -f3").stdout)
    assert gid < 1000 and outcome.result["gid"] == gid


def test_absent(host: LabHost, conn: SSHConnection) -> None:
    host.exec("groupadd deploy && groupadd builders", check=True)
    assert_contract(conn, "group", {"name": "deploy", "state": "absent"},
                    {"name": "builders", "state": "absent"}, lambda: groups(host))
    assert groups(host).startswith("builders:")
