"""hostname: the full contract on a host allowed to set its name (CAP_SYS_ADMIN in its own
UTS namespace), and the clear error on an ordinary container, which is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from dockyard.connection import SSHConnection
from tests.integration.modules.contract import ConnectTo, assert_contract, run
from tests.lab import Lab, LabHost
from tests.lab.host import SSH_HOST


@pytest.fixture
def named_host(lab: Lab) -> Iterator[LabHost]:
    """A lab host whose root may call sethostname(2): it only renames its own UTS namespace."""
    (made,) = lab.start(1, kind=replace(SSH_HOST, run_args=("--cap-add", "SYS_ADMIN")))
    yield made
    lab.remove([made])


def names(host: LabHost) -> str:
    return host.exec("cat /etc/hostname; hostname").stdout


def test_rename(named_host: LabHost, connect_to: ConnectTo) -> None:
    first, _ = assert_contract(connect_to(named_host), "hostname", {"name": "web01.example.org"},
                               {"name": "web02"}, lambda: names(named_host))
    assert names(named_host) == "web01.example.org\nweb01.example.org\n"
    assert first.result["ansible_facts"]["ansible_hostname"] == "web01"


def test_a_container_without_the_capability_gets_a_clear_message(own_host: LabHost,
                                                                 own_conn: SSHConnection) -> None:
    outcome = run(own_conn, "hostname", {"name": "web01"})
    assert outcome.failed and "CAP_SYS_ADMIN" in outcome.result["msg"]
    assert "docker run --hostname" in outcome.result["msg"]
    assert names(own_host) == f"web01\n{own_host.name}\n"
