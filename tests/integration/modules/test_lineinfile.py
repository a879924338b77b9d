"""lineinfile on a real host: the contract, backups, symlinks, validate, clear errors."""

from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost


def snapshot(host: LabHost, path: str) -> str:
    """Mode, owner, size and bytes of ``path``, read with docker exec (not through dockyard)."""
    return host.exec(f"stat -c '%a %U %G %s' {path} 2>&1; od -c {path} 2>&1").stdout


def test_replace_line_contract(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    path = "/tmp/lineinfile-port.conf"
    shared_host.exec(f"printf 'a=1\\nport=80\\nb=2\\n' > {path}", check=True)
    first, checked = assert_contract(
        shared_conn, "lineinfile", {"path": path, "regexp": "^port=", "line": "port=8080"},
        {"path": path, "regexp": "^port=", "line": "port=9090"}, lambda: snapshot(shared_host, path))
    assert shared_host.exec(f"cat {path}").stdout == "a=1\nport=8080\nb=2\n"
    assert first.result["msg"] == "line replaced"
    assert first.result["diff"]["before"] == "a=1\nport=80\nb=2\n"
    assert first.result["diff"]["after"] == "a=1\nport=8080\nb=2\n"
    assert checked.result["diff"]["after"] == "a=1\nport=9090\nb=2\n"


def test_create_with_attributes_and_backup(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    path = "/tmp/lineinfile-new/sub/hosts"
    shared_host.exec("rm -rf /tmp/lineinfile-new", check=True)
    assert_contract(
        shared_conn, "lineinfile", {"path": path, "line": "10.0.0.1 db", "create": True, "mode": "0640",
                                    "owner": "dockyard"},
        {"path": path, "line": "10.0.0.2 cache", "create": True}, lambda: snapshot(shared_host, path))
    assert snapshot(shared_host, path).startswith("640 dockyard root 12\n")
    changed = run(shared_conn, "lineinfile", {"path": path, "line": "10.0.0.2 cache", "backup": True})
    backup = changed.result["backup"]
    assert backup.startswith(path + ".") and backup.endswith("~")
    assert shared_host.exec(f"cat {backup}").stdout == "10.0.0.1 db\n"
    assert shared_host.exec(f"cat {path}").stdout == "10.0.0.1 db\n10.0.0.2 cache\n"


def test_absent_and_attributes_only(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    path = "/tmp/lineinfile-absent"
    shared_host.exec(f"printf '%%wheel a\\nroot\\n%%wheel b\\n' > {path} && chmod 644 {path}", check=True)
    outcome = run(shared_conn, "lineinfile", {"path": path, "regexp": "^%wheel", "state": "absent"})
    assert (outcome.result["msg"], outcome.result["found"]) == ("2 line(s) removed", 2)
    assert shared_host.exec(f"cat {path}").stdout == "root\n"
    outcome = run(shared_conn, "lineinfile", {"path": path, "line": "root", "mode": "0600"})
    assert outcome.changed and outcome.result["msg"] == "ownership, perms or SE linux context changed"
    assert [step.command.split()[0] for step in outcome.steps] == ["chmod"]


def test_symlink_edits_the_target(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    shared_host.exec("printf 'x\\n' > /tmp/lineinfile-real && ln -sfn /tmp/lineinfile-real /tmp/lineinfile-link",
                     check=True)
    run(shared_conn, "lineinfile", {"path": "/tmp/lineinfile-link", "line": "y"})
    assert shared_host.exec("readlink /tmp/lineinfile-link").stdout == "/tmp/lineinfile-real\n"
    assert shared_host.exec("cat /tmp/lineinfile-real").stdout == "x\ny\n"


def test_validate_failure_keeps_the_file(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    path = "/tmp/lineinfile-validate"
    shared_host.exec(f"printf 'ok\\n' > {path}", check=True)
    outcome = run(shared_conn, "lineinfile", {"path": path, "line": "bad", "validate": "grep -q never %s"})
    assert outcome.failed and "failed to validate" in outcome.result["msg"]
    assert shared_host.exec(f"cat {path}; ls -a /tmp | grep -c dockyard-tmp").stdout == "ok\n0\n"
    outcome = run(shared_conn, "lineinfile", {"path": path, "line": "good", "validate": "grep -q good %s"})
    assert not outcome.failed and shared_host.exec(f"cat {path}").stdout == "ok\ngood\n"


def test_missing_file_and_bad_regexp_fail_clearly(shared_conn: SSHConnection) -> None:
    with pytest.raises(ModuleError, match="does not exist"):
        run(shared_conn, "lineinfile", {"path": "/tmp/lineinfile-missing", "line": "x"})
    with pytest.raises(ModuleError, match="invalid regular expression in regexp"):
        run(shared_conn, "lineinfile", {"path": "/tmp/lineinfile-missing", "regexp": "(", "line": "x"})
    with pytest.raises(ModuleError, match="is a directory"):
        run(shared_conn, "lineinfile", {"path": "/tmp", "line": "x"})
