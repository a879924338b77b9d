"""apt on a real Debian host: packages from the Debian archive, one fresh host per test.

Marked ``apt`` (network: the archive); ``-m "not apt"`` leaves them out. The packages
are tiny (hello, sl), and each test runs one ``apt-get update`` at most.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.connection import ConnectionOptions, SSHConnection, connect
from dockyard.modules.base import ModuleContext
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost
from tests.lab.fixtures import HostFactory

pytestmark = pytest.mark.apt


def open_connection(host: LabHost, tmp_path: Path) -> SSHConnection:
    connection = connect(host.name, {
        "ansible_host": host.address, "ansible_user": host.user,
        "ansible_ssh_private_key_file": str(host.key_path)},
        ConnectionOptions(host_key_checking="off", ssh_config=None, known_hosts=tmp_path / "kh"))
    assert isinstance(connection, SSHConnection)
    return connection


@pytest.fixture
def host(fresh_host: HostFactory) -> LabHost:
    return fresh_host()


@pytest.fixture
def conn(host: LabHost, tmp_path: Path) -> Iterator[SSHConnection]:
    connection = open_connection(host, tmp_path)
    yield connection
    connection.close()


def packages(host: LabHost, *names: str) -> str:
    return host.exec("dpkg-query -W -f '${Package} ${Status} ${Version}\\n' " + " ".join(names)
                     + " 2>&1").stdout


def test_install_with_cache_update(host: LabHost, conn: SSHConnection) -> None:
    first, checked = assert_contract(
        conn, "apt", {"name": ["hello", "sl"], "update_cache": True, "cache_valid_time": 3600},
        {"name": "hello", "state": "absent"}, lambda: packages(host, "hello", "sl"))
    assert "hello install ok installed" in packages(host, "hello")
    assert "sl install ok installed" in packages(host, "sl")
    assert first.result["cache_updated"] is True
    assert [s.summary for s in first.steps] == ["update the apt package lists", "install hello, sl"]
    assert [s.summary for s in checked.steps] == ["remove hello"]


def test_remove_purge_and_latest(host: LabHost, conn: SSHConnection) -> None:
    host.exec("apt-get update -q && apt-get install -y -q hello", check=True, timeout=300)
    assert_contract(conn, "apt", {"name": "hello", "state": "absent", "purge": True},
                    {"name": "hello", "state": "latest"}, lambda: packages(host, "hello"))
    assert "not-installed" in packages(host, "hello") or "no packages found" in packages(host, "hello")
    latest = run(conn, "apt", {"name": "hello", "state": "latest"})
    assert latest.changed and "install ok installed" in packages(host, "hello")
    assert not run(conn, "apt", {"name": "hello", "state": "latest"}).changed


def test_a_pinned_version_and_an_unknown_package(host: LabHost, conn: SSHConnection) -> None:
    run(conn, "apt", {"update_cache": True})
    version = host.exec("apt-cache policy hello | awk '/Candidate/ {print $2}'").stdout.strip()
    outcome = run(conn, "apt", {"name": f"hello={version[:3]}*"})
    assert outcome.changed and version in packages(host, "hello")
    from dockyard.errors import ModuleError

    with pytest.raises(ModuleError, match="no package 'dockyard-no-such-package'"):
        run(conn, "apt", {"name": "dockyard-no-such-package"})


def test_package_module_dispatches_to_apt(host: LabHost, conn: SSHConnection) -> None:
    host.exec("apt-get update -q", check=True, timeout=300)
    ctx = ModuleContext(host=host.name, diff=True, facts={"ansible_pkg_mgr": "apt"})
    assert_contract(conn, "package", {"name": "sl", "state": "present"}, {"name": "hello", "state": "present"},
                    lambda: packages(host, "sl", "hello"), ctx=ctx)
    without_facts = run(conn, "package", {"name": "sl", "state": "absent"})
    assert without_facts.changed and "install ok installed" not in packages(host, "sl")
