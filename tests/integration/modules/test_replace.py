"""replace on a real host: the contract, before/after sections, clear errors."""

from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from tests.integration.modules import test_file
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost

conn, host = test_file.conn, test_file.host  # the lab host and SSH connection fixtures


def snapshot(host: LabHost, path: str) -> str:
    return host.exec(f"stat -c '%a %U %s' {path} 2>&1; od -c {path} 2>&1").stdout


def test_replace_contract(host: LabHost, conn: SSHConnection) -> None:
    path = "/tmp/replace-sources"
    host.exec(f"printf 'deb http://old/debian main\\n# deb http://old/x\\n' > {path}", check=True)
    first, _ = assert_contract(
        conn, "replace", {"path": path, "regexp": r"^deb http://old/(\w+)", "replace": r"deb http://new/\1"},
        {"path": path, "regexp": "old", "replace": "other"}, lambda: snapshot(host, path))
    assert first.result["msg"] == "1 replacements made"
    assert host.exec(f"cat {path}").stdout == "deb http://new/debian main\n# deb http://old/x\n"


def test_section_and_backup(host: LabHost, conn: SSHConnection) -> None:
    path = "/tmp/replace-section"
    host.exec(f"printf 'x\\n<a>\\nx\\n</a>\\nx\\n' > {path}", check=True)
    outcome = run(conn, "replace", {"path": path, "regexp": "x", "replace": "y", "after": "<a>",
                                    "before": "</a>", "backup": True})
    assert host.exec(f"cat {path}").stdout == "x\n<a>\ny\n</a>\nx\n"
    assert host.exec(f"cat {outcome.result['backup_file']}").stdout == "x\n<a>\nx\n</a>\nx\n"


def test_failures_are_clear(host: LabHost, conn: SSHConnection) -> None:
    with pytest.raises(ModuleError, match="does not exist"):
        run(conn, "replace", {"path": "/tmp/replace-missing", "regexp": "x"})
    with pytest.raises(ModuleError, match="invalid regular expression"):
        run(conn, "replace", {"path": "/tmp/replace-missing", "regexp": "[unclosed"})
    host.exec("printf 'abc\\n' > /tmp/replace-groups", check=True)
    with pytest.raises(ModuleError, match="Unable to process replace"):
        run(conn, "replace", {"path": "/tmp/replace-groups", "regexp": "b", "replace": r"\3"})
