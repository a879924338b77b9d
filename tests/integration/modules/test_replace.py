"""replace on a real host: the contract, before/after sections, clear errors."""

from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from tests.integration.modules.contract import assert_contract, file_snapshot, run
from tests.lab import LabHost


def test_replace_contract(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    path = "/tmp/replace-sources"
    shared_host.exec(f"printf 'deb http://old/debian main\\n# deb http://old/x\\n' > {path}", check=True)
    first, _ = assert_contract(
        shared_conn, "replace", {"path": path, "regexp": r"^deb http://old/(\w+)", "replace": r"deb http://new/\1"},
        {"path": path, "regexp": "old", "replace": "other"}, lambda: file_snapshot(shared_host, path))
    assert first.result["msg"] == "1 replacements made"
    assert shared_host.exec(f"cat {path}").stdout == "deb http://new/debian main\n# deb http://old/x\n"


def test_section_and_backup(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    path = "/tmp/replace-section"
    shared_host.exec(f"printf 'x\\n<a>\\nx\\n</a>\\nx\\n' > {path}", check=True)
    outcome = run(shared_conn, "replace", {"path": path, "regexp": "x", "replace": "y", "after": "<a>",
                                           "before": "</a>", "backup": True})
    assert shared_host.exec(f"cat {path}").stdout == "x\n<a>\ny\n</a>\nx\n"
    assert shared_host.exec(f"cat {outcome.result['backup_file']}").stdout == "x\n<a>\nx\n</a>\nx\n"


def test_failures_are_clear(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    with pytest.raises(ModuleError, match="does not exist"):
        run(shared_conn, "replace", {"path": "/tmp/replace-missing", "regexp": "x"})
    with pytest.raises(ModuleError, match="invalid regular expression"):
        run(shared_conn, "replace", {"path": "/tmp/replace-missing", "regexp": "[unclosed"})
    shared_host.exec("printf 'abc\\n' > /tmp/replace-groups", check=True)
    with pytest.raises(ModuleError, match="Unable to process replace"):
        run(shared_conn, "replace", {"path": "/tmp/replace-groups", "regexp": "b", "replace": r"\3"})
