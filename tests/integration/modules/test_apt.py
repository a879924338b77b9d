"""apt on a real Debian host: packages from the Debian archive, one fresh host per test.

Marked ``apt`` (network: the archive); ``-m "not apt"`` leaves them out. The packages
are tiny (hello, sl), and each test runs one ``apt-get update`` at most.
"""

from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from dockyard.modules.base import ModuleContext
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost

pytestmark = pytest.mark.apt


def packages(host: LabHost, *names: str) -> str:
    return host.exec("dpkg-query -W -f '${Package} ${Status} ${Version}\\n' " + " ".join(names)
                     + " 2>&1").stdout


def test_install_with_cache_update(own_host: LabHost, own_conn: SSHConnection) -> None:
    first, checked = assert_contract(
        own_conn, "apt", {"name": ["hello", "sl"], "update_cache": True, "cache_valid_time": 3600},
        {"name": "hello", "state": "absent"}, lambda: packages(own_host, "hello", "sl"))
    assert "hello install ok installed" in packages(own_host, "hello")
    assert "sl install ok installed" in packages(own_host, "sl")
    assert first.result["cache_updated"] is True
    assert [s.summary for s in first.steps] == ["update the apt package lists", "install hello, sl"]
    assert [s.summary for s in checked.steps] == ["remove hello"]


def test_remove_purge_and_latest(own_host: LabHost, own_conn: SSHConnection) -> None:
    own_host.exec("apt-get update -q && apt-get install -y -q hello", check=True, timeout=300)
    assert_contract(own_conn, "apt", {"name": "hello", "state": "absent", "purge": True},
                    {"name": "hello", "state": "latest"}, lambda: packages(own_host, "hello"))
    assert "not-installed" in packages(own_host, "hello") or "no packages found" in packages(own_host, "hello")
    latest = run(own_conn, "apt", {"name": "hello", "state": "latest"})
    assert latest.changed and "install ok installed" in packages(own_host, "hello")
    assert not run(own_conn, "apt", {"name": "hello", "state": "latest"}).changed


def test_a_pinned_version_and_an_unknown_package(own_host: LabHost, own_conn: SSHConnection) -> None:
    run(own_conn, "apt", {"update_cache": True})
    version = own_host.exec("apt-cache policy hello | awk '/Candidate/ {print $2}'").stdout.strip()
    outcome = run(own_conn, "apt", {"name": f"hello={version[:3]}*"})
    assert outcome.changed and version in packages(own_host, "hello")
    from dockyard.errors import ModuleError

    with pytest.raises(ModuleError, match="no package 'dockyard-no-such-package'"):
        run(own_conn, "apt", {"name": "dockyard-no-such-package"})


def test_package_module_dispatches_to_apt(own_host: LabHost, own_conn: SSHConnection) -> None:
    own_host.exec("apt-get update -q", check=True, timeout=300)
    ctx = ModuleContext(host=own_host.name, diff=True, facts={"ansible_pkg_mgr": "apt"})
    assert_contract(own_conn, "package", {"name": "sl", "state": "present"}, {"name": "hello", "state": "present"},
                    lambda: packages(own_host, "sl", "hello"), ctx=ctx)
    without_facts = run(own_conn, "package", {"name": "sl", "state": "absent"})
    assert without_facts.changed and "install ok installed" not in packages(own_host, "sl")
