"""wait_for_connection against a lab host whose sshd is stopped and started again: in a
play (the engine hands the module the host's connection) and alone, timing out."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from dockyard.connection import SSHConnection
from dockyard.engine.execute import execute_module, load_module
from dockyard.errors import ModuleError
from dockyard.modules.base import ModuleContext
from tests.integration.cli import run_dockyard
from tests.lab import Lab, LabHost

PLAY = """\
- hosts: all
  gather_facts: false
  tasks:
    - wait_for_connection: {sleep: 1, timeout: 60, connect_timeout: 3}
    - name: take sshd away for 3 s, as a reboot would (the host brings it back itself)
      become: true
      shell: >-
        setsid sh -c 'touch /run/dockyard-lab/sshd.disabled; sleep 1; pkill -x sshd; sleep 3;
        rm -f /run/dockyard-lab/sshd.disabled' </dev/null >/dev/null 2>&1 &
    - wait_for_connection: {delay: 2, sleep: 1, timeout: 60, connect_timeout: 3}
    - command: cat /etc/hostname
"""


def test_a_play_waits_for_sshd_at_start_and_after_it_went_away(lab: Lab, own_host: LabHost,
                                                                tmp_path: Path) -> None:
    inventory = lab.write_inventory(tmp_path / "hosts.ini", [own_host])
    (tmp_path / "site.yml").write_text(PLAY)
    own_host.stop_sshd()
    threading.Timer(3.0, own_host.start_sshd).start()
    done = run_dockyard("play", "site.yml", "-i", str(inventory), "--output", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines() if '"host_result"' in line]
    assert [r["status"] for r in results] == ["ok", "changed", "ok", "changed"]
    assert results[2]["result"]["elapsed"] >= 3  # 2 s delay, then refused until sshd is back
    assert results[3]["result"]["stdout"] == own_host.name


def test_it_times_out_naming_the_last_problem(own_host: LabHost, own_conn: SSHConnection) -> None:
    own_host.stop_sshd()

    def connect(timeout: float | None = None) -> SSHConnection:
        own_conn.open(timeout=timeout)
        return own_conn

    ctx = ModuleContext(host=own_host.name, connect=connect)
    with pytest.raises(ModuleError, match=r"timed out waiting for connection: connection to .* refused"):
        execute_module(load_module("wait_for_connection"), {"timeout": 3, "sleep": 1}, None, ctx)
    skipped = execute_module(load_module("wait_for_connection"), {"timeout": 3},
                             None, ModuleContext(host=own_host.name, connect=connect, check=True))
    assert skipped.result["skipped"] is True
    own_host.start_sshd()
    back = execute_module(load_module("wait_for_connection"), {"timeout": 10}, None, ctx)
    assert not back.failed and not back.changed
