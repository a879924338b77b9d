"""hostname: the full contract on a host allowed to set its name (CAP_SYS_ADMIN in its own
UTS namespace), and the clear error on an ordinary container, which is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from dockyard.connection import ConnectionOptions, SSHConnection, connect
from tests.integration.modules.contract import assert_contract, run
from tests.lab import Lab, LabHost
from tests.lab.fixtures import HostFactory
from tests.lab.host import SSH_HOST


def open_connection(host: LabHost, tmp_path: Path) -> SSHConnection:
    connection = connect(host.name, {
        "ansible_host": host.address, "ansible_user": host.user,
        "ansible_ssh_private_key_file": str(host.key_path)},
        ConnectionOptions(host_key_checking="off", ssh_config=None, known_hosts=tmp_path / "kh"))
    assert isinstance(connection, SSHConnection)
    return connection


@pytest.fixture
def named_host(lab: Lab) -> Iterator[LabHost]:
    """A lab host whose root may call sethostname(2): it only renames its own UTS namespace."""
    (made,) = lab.start(1, kind=replace(SSH_HOST, run_args=("--cap-add", "SYS_ADMIN")))
    yield made
    lab.remove([made])


def names(host: LabHost) -> str:
    return host.exec("cat /etc/hostname; hostname").stdout


def test_rename(named_host: LabHost, tmp_path: Path) -> None:
    conn = open_connection(named_host, tmp_path)
    try:
        first, _ = assert_contract(conn, "hostname", {"name": "web01.example.org"}, {"name": "web02"},
                                   lambda: names(named_host))
    finally:
        conn.close()
    assert names(named_host) == "web01.example.org\nweb01.example.org\n"
    assert first.result["ansible_facts"]["ansible_hostname"] == "web01"


def test_a_container_without_the_capability_gets_a_clear_message(fresh_host: HostFactory,
                                                                  tmp_path: Path) -> None:
    host = fresh_host()
    conn = open_connection(host, tmp_path)
    try:
        outcome = run(conn, "hostname", {"name": "web01"})
    finally:
        conn.close()
    assert outcome.failed and "CAP_SYS_ADMIN" in outcome.result["msg"]
    assert "docker run --hostname" in outcome.result["msg"]
    assert names(host) == f"web01\n{host.name}\n"
