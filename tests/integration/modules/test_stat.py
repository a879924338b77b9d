"""stat on a real host, key by key against ansible-core's stat module on the same paths.

ansible-core is the oracle (``ansible HOST -m stat``; the lab image has python3 only
for this). Every key of Ansible's ``stat`` dict must be in dockyard's with the same
value, except ``atime``: reading the file for its checksum may move it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from tests.integration.modules.contract import run
from tests.lab import LabHost

PATHS = {
    "/tmp/stat-file": "printf 'hello\\n' > /tmp/stat-file && chmod 4754 /tmp/stat-file "
                      "&& chown dockyard:pwuser /tmp/stat-file",
    "/tmp/stat-dir": "mkdir -p /tmp/stat-dir && chmod 1777 /tmp/stat-dir",
    "/tmp/stat-link": "ln -sfn /tmp/stat-file /tmp/stat-link",
    "/tmp/stat-dangling": "ln -sfn /tmp/stat-nothing /tmp/stat-dangling",
    "/tmp/stat-missing": "rm -f /tmp/stat-missing",
    "/dev/null": "true",
    "/etc/hostname": "true",
}
EXEMPT = {"atime"}


def ansible_stat(inventory: Path, name: str, args: str) -> dict[str, Any]:
    env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_NOCOLOR="1",
               ANSIBLE_PYTHON_INTERPRETER="/usr/bin/python3")
    done = subprocess.run(["ansible", name, "-i", str(inventory), "-m", "stat", "-a", args, "--become"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    start = done.stdout.index(" => ") + len(" => ")
    result: dict[str, Any] = json.JSONDecoder().raw_decode(done.stdout, start)[0]
    return result


@pytest.mark.skipif(shutil.which("ansible") is None, reason="ansible-core is not installed")
@pytest.mark.parametrize("path", sorted(PATHS))
@pytest.mark.parametrize("follow", [False, True])
def test_stat_equals_ansible(shared_host: LabHost, shared_conn: SSHConnection, lab_inventory: Path, path: str,
                             follow: bool) -> None:
    shared_host.exec(PATHS[path], check=True)
    theirs = ansible_stat(lab_inventory, shared_host.name, f"path={path} follow={follow}")
    ours = run(shared_conn, "stat", {"path": path, "follow": follow}).result
    assert ours["changed"] is theirs["changed"] is False
    expected = {k: v for k, v in theirs["stat"].items() if k not in EXEMPT}
    assert {k: v for k, v in ours["stat"].items() if k in expected} == expected
    assert set(ours["stat"]) - EXEMPT == set(expected)


def test_checksum_algorithm_and_no_extras(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    shared_host.exec("printf 'abc' > /tmp/stat-sum", check=True)
    outcome = run(shared_conn, "stat", {"path": "/tmp/stat-sum", "checksum_algorithm": "sha256",
                                        "get_mime": False, "get_attributes": False})
    info = outcome.result["stat"]
    assert info["checksum"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert "mimetype" not in info and "attributes" not in info
    assert not outcome.changed and not outcome.steps


def test_unreadable_parent_fails_clearly(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    shared_host.exec("mkdir -p /tmp/stat-private && touch /tmp/stat-private/f && chmod 700 /tmp/stat-private",
                     check=True)
    assert run(shared_conn, "stat", {"path": "/tmp/stat-private/f"}).result["stat"]["exists"]
    with pytest.raises(ModuleError, match="Permission denied"):  # Ansible fails too
        run(shared_conn, "stat", {"path": "/tmp/stat-private/f"}, become=False)
    assert run(shared_conn, "stat", {"path": "/tmp/stat-private/g"}).result["stat"] == {"exists": False}
    with pytest.raises(ModuleError, match="unknown argument 'get_md5'"):
        run(shared_conn, "stat", {"path": "/tmp", "get_md5": True})
