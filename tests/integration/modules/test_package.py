"""package: the dispatch errors need no network; installing through apt is in test_apt.py."""

from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from dockyard.modules.base import ModuleContext
from tests.integration.modules.contract import run
from tests.lab import LabHost


def test_an_installed_package_is_ok_without_facts(shared_conn: SSHConnection) -> None:
    outcome = run(shared_conn, "package", {"name": ["sudo", "openssh-server"], "state": "present"})
    assert not outcome.failed and not outcome.changed


def test_a_host_said_to_use_dnf_fails_before_touching_anything(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    before = shared_host.command_count()
    ctx = ModuleContext(host=shared_host.name, facts={"ansible_pkg_mgr": "dnf"})
    with pytest.raises(ModuleError, match=r"'dnf' of .* is not supported"):
        run(shared_conn, "package", {"name": "x", "state": "present"}, ctx=ctx)
    assert shared_host.command_count() == before
