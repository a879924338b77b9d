"""`dockyard facts` and `dockyard ping` through the real CLI, against 10 real lab hosts."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.integration.cli import run_dockyard
from tests.lab import Lab, LabHost
from tests.lab.fixtures import HostFactory

pytestmark = pytest.mark.ssh


def dockyard(*args: str) -> subprocess.CompletedProcess[str]:
    return run_dockyard(*args, timeout=120)


def test_facts_on_ten_hosts_is_one_command_each(
    lab_hosts: list[LabHost], lab_inventory: Path
) -> None:
    for host in lab_hosts:
        host.reset_command_count()
    result = dockyard("facts", "-i", str(lab_inventory))
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert sorted(facts) == sorted(host.name for host in lab_hosts)
    for host in lab_hosts:
        assert facts[host.name]["ansible_hostname"] == host.name
        assert facts[host.name]["ansible_default_ipv4"]["address"] == host.address
        assert host.command_count() == 1, host.command_log()


def test_unreachable_host_among_ten(fresh_host: HostFactory, lab: Lab, tmp_path: Path) -> None:
    hosts = fresh_host.many(10)
    hosts[4].stop_sshd()
    inventory = lab.write_inventory(tmp_path / "hosts.ini", hosts)
    result = dockyard("facts", "-i", str(inventory), "--timeout", "5")
    assert result.returncode == 4, result.stderr
    facts = json.loads(result.stdout)
    assert sorted(facts) == sorted(h.name for h in hosts if h is not hosts[4])
    assert f"{hosts[4].name} | UNREACHABLE" in result.stderr
    assert "refused" in result.stderr
    assert "Traceback" not in result.stderr


def test_ping_reports_every_host_and_a_summary(lab_hosts: list[LabHost], lab_inventory: Path) -> None:
    excluded = lab_hosts[0].name
    result = dockyard("ping", "-i", str(lab_inventory), f"lab*:!{excluded}")
    assert result.returncode == 0, result.stderr
    pinged = [line.split(" | ")[0] for line in result.stdout.splitlines()]
    assert pinged == [h.name for h in lab_hosts if h.name != excluded]
    assert all(" | SUCCESS | pong in " in line for line in result.stdout.splitlines())
    assert f"{len(lab_hosts) - 1} ok, 0 failed, 0 unreachable" in result.stderr


def test_changed_host_key_is_refused_by_the_cli(fresh_host: HostFactory, lab: Lab, tmp_path: Path) -> None:
    host = fresh_host()
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(f"{host.name} ansible_host={host.address} ansible_user=dockyard "
                         f"ansible_ssh_private_key_file={host.key_path}\n")
    known = tmp_path / "known_hosts"
    first = dockyard("ping", "-i", str(inventory), "--known-hosts", str(known),
                     "--host-key-checking", "accept-new")
    assert first.returncode == 0, first.stderr
    host.regenerate_host_key()
    second = dockyard("ping", "-i", str(inventory), "--known-hosts", str(known))
    assert second.returncode == 4
    assert "HOST KEY CHANGED" in second.stderr and "ssh-keygen -f" in second.stderr
    assert "Traceback" not in second.stderr


def test_unknown_host_is_refused_under_the_default_policy(lab_hosts: list[LabHost], tmp_path: Path) -> None:
    host = lab_hosts[0]
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(f"{host.name} ansible_host={host.address} ansible_user=dockyard "
                         f"ansible_ssh_private_key_file={host.key_path}\n")
    result = dockyard("ping", "-i", str(inventory), "--known-hosts", str(tmp_path / "kh"))
    assert result.returncode == 4
    assert "is not known" in result.stderr and "ssh-keyscan" in result.stderr
