"""copy on a real host: content, files, trees, remote_src, force/follow/backup, errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from dockyard.modules.base import ModuleContext
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost


def snapshot(host: LabHost, path: str) -> str:
    """Every file under ``path`` with mode, owner and bytes (docker exec, not dockyard)."""
    return host.exec(f"find {path} -exec stat -c '%n %F %a %U %G %s' {{}} + 2>&1 | sort; "
                     f"find {path} -type f -exec od -c {{}} + 2>&1").stdout


@pytest.fixture
def ctx(shared_conn: SSHConnection, tmp_path: Path) -> ModuleContext:
    """A context whose playbook directory is tmp_path (files/ under it)."""
    (tmp_path / "files").mkdir()
    return ModuleContext(host=shared_conn.host, diff=True, search_paths=(tmp_path,))


def test_content_contract_in_one_round_trip(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    path = "/tmp/copy-content.txt"
    shared_host.exec(f"rm -f {path}", check=True)
    first, checked = assert_contract(shared_conn, "copy", {"content": "hello\n", "dest": path, "mode": "0600"},
                                     {"content": "bye\n", "dest": path}, lambda: snapshot(shared_host, path))
    assert first.result["checksum"] == hashlib.sha1(b"hello\n").hexdigest()
    assert (first.result["dest"], first.result["size"], first.result["mode"]) == (path, 6, "0600")
    assert first.result["owner"] == "root"
    assert checked.result["diff"]["before"] == "hello\n" and checked.result["diff"]["after"] == "bye\n"
    shared_host.reset_command_count()
    again = run(shared_conn, "copy", {"content": "hello\n", "dest": path, "mode": "0600"})
    assert not again.changed and shared_host.command_count() == 1


def test_src_file_into_existing_directory(shared_host: LabHost, shared_conn: SSHConnection, ctx: ModuleContext,
                                          tmp_path: Path) -> None:
    (tmp_path / "files" / "app.conf").write_bytes(b"a=1\n")
    (tmp_path / "files" / "other.conf").write_bytes(b"b=2\n")
    shared_host.exec("rm -rf /tmp/copy-into && mkdir /tmp/copy-into", check=True)
    first, _ = assert_contract(shared_conn, "copy", {"src": "app.conf", "dest": "/tmp/copy-into", "owner": "dockyard"},
                               {"src": "other.conf", "dest": "/tmp/copy-into"},
                               lambda: snapshot(shared_host, "/tmp/copy-into"), ctx=ctx)
    assert first.result["dest"] == "/tmp/copy-into/app.conf" and first.result["src"] == "app.conf"
    assert "/tmp/copy-into/app.conf regular file 644 dockyard root 4" in snapshot(shared_host, "/tmp/copy-into")


def test_directory_tree(shared_host: LabHost, shared_conn: SSHConnection, ctx: ModuleContext, tmp_path: Path) -> None:
    tree = tmp_path / "files" / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_text("a\n")
    (tree / "sub" / "b.txt").write_text("b\n")
    shared_host.exec("rm -rf /tmp/copy-tree /tmp/copy-flat", check=True)
    assert_contract(shared_conn, "copy", {"src": "tree", "dest": "/tmp/copy-tree", "directory_mode": "0750"},
                    {"src": "tree", "dest": "/tmp/copy-tree", "mode": "0600"},
                    lambda: snapshot(shared_host, "/tmp/copy-tree"), ctx=ctx)
    listing = snapshot(shared_host, "/tmp/copy-tree")
    assert "/tmp/copy-tree/tree/sub directory 750 root root" in listing
    assert "/tmp/copy-tree/tree/sub/b.txt regular file 644 root root 2" in listing
    (tree / "a.txt").write_text("changed\n")
    outcome = run(shared_conn, "copy", {"src": "tree/", "dest": "/tmp/copy-flat"}, ctx=ctx)
    assert outcome.changed and outcome.result["dest"] == "/tmp/copy-flat/"
    assert shared_host.exec("cat /tmp/copy-flat/a.txt /tmp/copy-flat/sub/b.txt").stdout == "changed\nb\n"


def test_remote_src(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    shared_host.exec("printf 'remote\\n' > /tmp/copy-remote-src && chmod 640 /tmp/copy-remote-src "
                     "&& rm -f /tmp/copy-remote-dest", check=True)
    assert_contract(shared_conn, "copy", {"src": "/tmp/copy-remote-src", "dest": "/tmp/copy-remote-dest",
                                          "remote_src": True},
                    {"src": "/etc/hostname", "dest": "/tmp/copy-remote-dest", "remote_src": True},
                    lambda: snapshot(shared_host, "/tmp/copy-remote-dest"))
    assert snapshot(shared_host, "/tmp/copy-remote-dest").startswith("/tmp/copy-remote-dest regular file 640 ")


def test_force_false_backup_and_follow(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    shared_host.exec("printf 'old\\n' > /tmp/copy-kept && printf 'real\\n' > /tmp/copy-real "
                     "&& ln -sfn /tmp/copy-real /tmp/copy-link && ln -sfn /tmp/copy-real /tmp/copy-link2", check=True)
    assert not run(shared_conn, "copy", {"content": "new\n", "dest": "/tmp/copy-kept", "force": False}).changed
    outcome = run(shared_conn, "copy", {"content": "new\n", "dest": "/tmp/copy-kept", "backup": True})
    assert shared_host.exec(f"cat /tmp/copy-kept {outcome.result['backup_file']}").stdout == "new\nold\n"
    run(shared_conn, "copy", {"content": "through\n", "dest": "/tmp/copy-link", "follow": True})
    assert shared_host.exec("readlink /tmp/copy-link; cat /tmp/copy-real").stdout == "/tmp/copy-real\nthrough\n"
    run(shared_conn, "copy", {"content": "replaced\n", "dest": "/tmp/copy-link2"})
    assert shared_host.exec("stat -c %F /tmp/copy-link2; cat /tmp/copy-link2 /tmp/copy-real").stdout == (
        "regular file\nreplaced\nthrough\n")


def test_failures_are_clear(shared_host: LabHost, shared_conn: SSHConnection, ctx: ModuleContext) -> None:
    with pytest.raises(ModuleError, match=r"could not find 'nope\.conf'"):
        run(shared_conn, "copy", {"src": "nope.conf", "dest": "/tmp/x"}, ctx=ctx)
    with pytest.raises(ModuleError, match="can not use content with a dir as dest"):
        run(shared_conn, "copy", {"content": "x", "dest": "/tmp"})
    outcome = run(shared_conn, "copy", {"content": "x", "dest": "/tmp/copy-no-such-dir/f"})
    assert outcome.failed and "Destination directory /tmp/copy-no-such-dir does not exist" in outcome.result["msg"]
    outcome = run(shared_conn, "copy", {"content": "x", "dest": "/tmp/copy-invalid", "validate": "false %s"})
    assert outcome.failed and "failed to validate" in outcome.result["msg"]
    assert shared_host.exec("ls /tmp/copy-invalid 2>&1; ls -a /tmp | grep -c dockyard-tmp").stdout.endswith(
        "No such file or directory\n0\n")
