"""lineinfile on a real host: the contract, backups, symlinks, validate, clear errors."""

from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from tests.integration.modules import test_file
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost

conn, host = test_file.conn, test_file.host  # the lab host and SSH connection fixtures


def snapshot(host: LabHost, path: str) -> str:
    """Mode, owner, size and bytes of ``path``, read with docker exec (not through dockyard)."""
    return host.exec(f"stat -c '%a %U %G %s' {path} 2>&1; od -c {path} 2>&1").stdout


def test_replace_line_contract(host: LabHost, conn: SSHConnection) -> None:
    path = "/tmp/lineinfile-port.conf"
    host.exec(f"printf 'a=1\\nport=80\\nb=2\\n' > {path}", check=True)
    first, checked = assert_contract(
        conn, "lineinfile", {"path": path, "regexp": "^port=", "line": "port=8080"},
        {"path": path, "regexp": "^port=", "line": "port=9090"}, lambda: snapshot(host, path))
    assert host.exec(f"cat {path}").stdout == "a=1\nport=8080\nb=2\n"
    assert first.result["msg"] == "line replaced"
    assert first.result["diff"]["before"] == "a=1\nport=80\nb=2\n"
    assert first.result["diff"]["after"] == "a=1\nport=8080\nb=2\n"
    assert checked.result["diff"]["after"] == "a=1\nport=9090\nb=2\n"


def test_create_with_attributes_and_backup(host: LabHost, conn: SSHConnection) -> None:
    path = "/tmp/lineinfile-new/sub/hosts"
    host.exec("rm -rf /tmp/lineinfile-new", check=True)
    assert_contract(
        conn, "lineinfile", {"path": path, "line": "10.0.0.1 db", "create": True, "mode": "0640",
                             "owner": "dockyard"},
        {"path": path, "line": "10.0.0.2 cache", "create": True}, lambda: snapshot(host, path))
    assert snapshot(host, path).startswith("640 dockyard root 12\n")
    changed = run(conn, "lineinfile", {"path": path, "line": "10.0.0.2 cache", "backup": True})
    backup = changed.result["backup"]
    assert backup.startswith(path + ".") and backup.endswith("~")
    assert host.exec(f"cat {backup}").stdout == "10.0.0.1 db\n"
    assert host.exec(f"cat {path}").stdout == "10.0.0.1 db\n10.0.0.2 cache\n"


def test_absent_and_attributes_only(host: LabHost, conn: SSHConnection) -> None:
    path = "/tmp/lineinfile-absent"
    host.exec(f"printf '%%wheel a\\nroot\\n%%wheel b\\n' > {path} && chmod 644 {path}", check=True)
    outcome = run(conn, "lineinfile", {"path": path, "regexp": "^%wheel", "state": "absent"})
    assert (outcome.result["msg"], outcome.result["found"]) == ("2 line(s) removed", 2)
    assert host.exec(f"cat {path}").stdout == "root\n"
    outcome = run(conn, "lineinfile", {"path": path, "line": "root", "mode": "0600"})
    assert outcome.changed and outcome.result["msg"] == "ownership, perms or SE linux context changed"
    assert [step.command.split()[0] for step in outcome.steps] == ["chmod"]


def test_symlink_edits_the_target(host: LabHost, conn: SSHConnection) -> None:
    host.exec("printf 'x\\n' > /tmp/lineinfile-real && ln -sfn /tmp/lineinfile-real /tmp/lineinfile-link",
              check=True)
    run(conn, "lineinfile", {"path": "/tmp/lineinfile-link", "line": "y"})
    assert host.exec("readlink /tmp/lineinfile-link").stdout == "/tmp/lineinfile-real\n"
    assert host.exec("cat /tmp/lineinfile-real").stdout == "x\ny\n"


def test_validate_failure_keeps_the_file(host: LabHost, conn: SSHConnection) -> None:
    path = "/tmp/lineinfile-validate"
    host.exec(f"printf 'ok\\n' > {path}", check=True)
    outcome = run(conn, "lineinfile", {"path": path, "line": "bad", "validate": "grep -q never %s"})
    assert outcome.failed and "failed to validate" in outcome.result["msg"]
    assert host.exec(f"cat {path}; ls -a /tmp | grep -c dockyard-tmp").stdout == "ok\n0\n"
    outcome = run(conn, "lineinfile", {"path": path, "line": "good", "validate": "grep -q good %s"})
    assert not outcome.failed and host.exec(f"cat {path}").stdout == "ok\ngood\n"


def test_missing_file_and_bad_regexp_fail_clearly(conn: SSHConnection) -> None:
    with pytest.raises(ModuleError, match="does not exist"):
        run(conn, "lineinfile", {"path": "/tmp/lineinfile-missing", "line": "x"})
    with pytest.raises(ModuleError, match="invalid regular expression in regexp"):
        run(conn, "lineinfile", {"path": "/tmp/lineinfile-missing", "regexp": "(", "line": "x"})
    with pytest.raises(ModuleError, match="is a directory"):
        run(conn, "lineinfile", {"path": "/tmp", "line": "x"})
