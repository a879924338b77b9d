"""The tools' command lines and files, written for made-up hosts (nothing is run)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from bench.errors import BenchError
from bench.recap import parse_play_recap
from bench.tools import CHECKOUT, INSTALL_HINT, TOOLS, Tool
from tests.lab import LabHost


def _hosts(tmp_path: Path) -> list[LabHost]:
    key = tmp_path / "id_ed25519"
    return [
        LabHost(name=f"lab0{i}", address=f"172.17.0.{i + 1}", container=f"c{i}", key_path=key)
        for i in (1, 2)
    ]


def test_a_missing_tool_says_how_to_install_it() -> None:
    ansible = TOOLS["ansible"]
    missing = Tool("peer", "no_such_module_for_bench", str, ansible.invocation, parse_play_recap)
    with pytest.raises(BenchError) as info:
        missing.check_installed()
    assert info.value.hint == INSTALL_HINT
    assert "pip install -e '.[bench]'" in INSTALL_HINT


def test_versions_name_the_checkout_and_the_installed_peers() -> None:
    assert "(" in TOOLS["dockyard"].version()  # "0.1.0 (abc1234)": the commit measured
    assert TOOLS["ansible"].version()[0].isdigit()


def test_dockyard_runs_this_checkout_with_one_fork_per_host(tmp_path: Path) -> None:
    invocation = TOOLS["dockyard"].invocation(tmp_path, _hosts(tmp_path), "first")
    assert invocation.argv[1:4] == ["-m", "dockyard", "play"]
    assert invocation.env["PYTHONPATH"].split(":")[0] == str(CHECKOUT)
    assert invocation.argv[invocation.argv.index("-f") + 1] == "2"
    assert "~/.ssh/known_hosts" not in " ".join(invocation.argv)
    assert "lab02 ansible_host=172.17.0.3" in (tmp_path / "hosts.ini").read_text()


def test_ansible_gets_forks_pipelining_and_a_cold_control_dir_per_run(tmp_path: Path) -> None:
    first = TOOLS["ansible"].invocation(tmp_path, _hosts(tmp_path), "first")
    rerun = TOOLS["ansible"].invocation(tmp_path, _hosts(tmp_path), "rerun")
    config = (tmp_path / "ansible.cfg").read_text()
    assert "forks = 2" in config
    assert "pipelining = True" in config
    assert "UserKnownHostsFile=/dev/null" in config
    assert first.env["ANSIBLE_CONFIG"] == str(tmp_path / "ansible.cfg")
    dirs = {first.env["ANSIBLE_SSH_CONTROL_PATH_DIR"], rerun.env["ANSIBLE_SSH_CONTROL_PATH_DIR"]}
    assert len(dirs) == 2


def test_pyinfra_inventory_is_python_with_every_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # pyinfra itself need not be installed to check what dockyard's harness writes for it
    monkeypatch.setattr("bench.tools._script", lambda name: f"/opt/bin/{name}")
    invocation = TOOLS["pyinfra"].invocation(tmp_path, _hosts(tmp_path), "first")
    assert invocation.argv[-2:] == ["--parallel", "2"]
    inventory = runpy.run_path(str(tmp_path / "inventory.py"))["bench_hosts"]
    assert [name for name, _ in inventory] == ["lab01", "lab02"]
    data = inventory[1][1]
    assert data["ssh_hostname"] == "172.17.0.3"
    assert data["ssh_known_hosts_file"] == str(tmp_path / "known_hosts")
