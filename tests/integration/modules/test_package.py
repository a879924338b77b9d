"""package: the dispatch errors need no network; installing through apt is in test_apt.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.connection import ConnectionOptions, SSHConnection, connect
from dockyard.errors import ModuleError
from dockyard.modules.base import ModuleContext
from tests.integration.modules.contract import run
from tests.lab import LabHost


@pytest.fixture
def host(lab_hosts: list[LabHost]) -> LabHost:
    return lab_hosts[4]


@pytest.fixture
def conn(host: LabHost, tmp_path: Path) -> Iterator[SSHConnection]:
    connection = connect(host.name, {
        "ansible_host": host.address, "ansible_user": host.user,
        "ansible_ssh_private_key_file": str(host.key_path)},
        ConnectionOptions(host_key_checking="off", ssh_config=None, known_hosts=tmp_path / "kh"))
    assert isinstance(connection, SSHConnection)
    yield connection
    connection.close()


def test_an_installed_package_is_ok_without_facts(conn: SSHConnection) -> None:
    outcome = run(conn, "package", {"name": ["sudo", "openssh-server"], "state": "present"})
    assert not outcome.failed and not outcome.changed


def test_a_host_said_to_use_dnf_fails_before_touching_anything(host: LabHost, conn: SSHConnection) -> None:
    before = host.command_count()
    ctx = ModuleContext(host=host.name, facts={"ansible_pkg_mgr": "dnf"})
    with pytest.raises(ModuleError, match=r"'dnf' of .* is not supported"):
        run(conn, "package", {"name": "x", "state": "present"}, ctx=ctx)
    assert host.command_count() == before
