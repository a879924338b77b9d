"""dockyard's facts against ansible-core's ``setup`` on the same lab hosts, key by key.

ansible-core is the oracle: ``ansible all -i INVENTORY -m setup`` runs on each lab
host (the lab image carries python3 only for this), then dockyard gathers facts
from the same hosts through its real SSH connection. Every fact dockyard reports
under an ``ansible_*`` name must equal Ansible's, except the parts listed in
``EXEMPT`` with the reason each one cannot be equal between two runs.

Also checked here: gathering is exactly one SSH command per host.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from dockyard.connection import Become, connect
from dockyard.connection.base import Connection
from dockyard.connection.spec import ConnectionOptions
from dockyard.facts.gather import gather_facts
from tests.lab import LabHost

pytestmark = pytest.mark.ssh  # (also added by tests/conftest.py for lab fixtures)

# The facts the brief requires; both tools must report each of them.
REQUIRED = (
    "hostname",
    "fqdn",
    "nodename",
    "distribution",
    "distribution_version",
    "distribution_major_version",
    "distribution_release",
    "os_family",
    "system",
    "kernel",
    "architecture",
    "machine",
    "processor_vcpus",
    "processor_count",
    "memtotal_mb",
    "memfree_mb",
    "default_ipv4",
    "all_ipv4_addresses",
    "interfaces",
    "pkg_mgr",
    "service_mgr",
    "user_id",
    "user_dir",
    "env",
    "python",
    "date_time",
    "mounts",
    "virtualization_type",
    "virtualization_role",
)

# What is not compared for equality, and why. Everything else must be equal.
EXEMPT = {
    "ansible_memfree_mb": "free memory changes between the two runs",
    "ansible_memory_mb": "free/used memory changes between the two runs (total is compared)",
    "ansible_date_time": "the clock moves between the two runs (zone keys and epoch are "
    "checked separately)",
    "ansible_env/SSH_CLIENT": "holds the client's source port, new for every connection",
    "ansible_env/SSH_CONNECTION": "holds the client's source port, new for every connection",
    "ansible_env/SSH_TTY": "Ansible's ssh plugin asks for a tty (-tt); dockyard's exec has none",
    "ansible_env/TERM": "sshd sets TERM only for sessions with a tty (see SSH_TTY)",
    "ansible_env/SUDO_COMMAND": "with become: the command line sudo ran, Ansible's module "
    "wrapper in one case and dockyard's script in the other",
    "ansible_env/LANG": "OpenSSH's SendEnv forwards the controller's LANG/LC_*; paramiko "
    "sends no environment",
    "ansible_env/LC_*": "as LANG",
    "ansible_mounts/*_available,*_used": "free space and inodes change between the two runs "
    "(totals, devices, options and uuids are compared)",
    "ansible_interfaces (order)": "Ansible builds the list from a set, so its order is arbitrary; "
    "compared as sets",
    "ansible_virtualization_tech_guest/host (order)": "sets in Ansible; compared as sets",
}
VOLATILE_MOUNT_KEYS = (
    "size_available",
    "block_available",
    "block_used",
    "inode_available",
    "inode_used",
)
VOLATILE_ENV = ("SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "TERM", "LANG", "SUDO_COMMAND")


COMPARED_HOSTS = 3  # of the lab's shared hosts; one Ansible run covers them all


def _interpreter(inventory: Path) -> str | None:
    """``ansible_python_interpreter`` from the lab inventory's ``[all:vars]``, if any."""
    for line in inventory.read_text().splitlines():
        name, _, value = line.partition("=")
        if name.strip() == "ansible_python_interpreter":
            return value.strip().strip("'\"")
    return None


def _ansible_setup(inventory: Path, names: Sequence[str], become: bool) -> dict[str, Any]:
    """ansible-core's facts per host (``ansible_facts`` of the setup module).

    The ad-hoc output is ``NAME | SUCCESS => {json}`` per host (the minimal callback).
    """
    env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_NOCOLOR="1")
    argv = ["ansible", ",".join(names), "-i", str(inventory), "-m", "setup", "--forks", "10"]
    result = subprocess.run(
        [*argv, *(["--become"] if become else [])],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    decoder = json.JSONDecoder()
    facts: dict[str, Any] = {}
    for name in names:
        start = result.stdout.index(f"{name} | SUCCESS => ") + len(f"{name} | SUCCESS => ")
        facts[name] = decoder.raw_decode(result.stdout, start)[0]["ansible_facts"]
    return facts


def _connection(host: LabHost) -> Connection:
    hostvars = {
        "ansible_host": host.address,
        "ansible_port": host.port,
        "ansible_user": host.user,
        "ansible_ssh_private_key_file": str(host.key_path),
    }
    conn = connect(host.name, hostvars, ConnectionOptions(host_key_checking="off"))
    conn.open()
    return conn


def _comparable(key: str, value: Any) -> Any:
    """A fact with its exempted, run-dependent parts removed (see EXEMPT)."""
    if key == "ansible_env":
        return {k: v for k, v in value.items() if k not in VOLATILE_ENV and not k.startswith("LC_")}
    if key == "ansible_mounts":
        mounts = [{k: v for k, v in m.items() if k not in VOLATILE_MOUNT_KEYS} for m in value]
        return sorted(mounts, key=lambda m: (m["mount"], m["device"]))
    if key in (
        "ansible_interfaces",
        "ansible_virtualization_tech_guest",
        "ansible_virtualization_tech_host",
    ):
        return sorted(value)
    if key == "ansible_memory_mb":
        return value["real"]["total"], value["swap"]["total"]
    return value


def _compare(name: str, ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Every difference, as readable lines; empty when the facts agree."""
    problems = [
        f"{name}: dockyard lacks required fact ansible_{k}"
        for k in REQUIRED
        if f"ansible_{k}" not in ours
    ]
    problems += [
        f"{name}: ansible lacks required fact ansible_{k}"
        for k in REQUIRED
        if f"ansible_{k}" not in theirs
    ]
    for key, value in sorted(ours.items()):
        if key.startswith("dockyard_") or key in ("ansible_date_time", "ansible_memfree_mb"):
            continue
        if key not in theirs:
            problems.append(f"{name}: {key} is reported by dockyard only")
            continue
        mine, expected = _comparable(key, value), _comparable(key, theirs[key])
        if mine != expected:
            problems.append(f"{name}: {key}\n  dockyard: {mine!r}\n  ansible:  {expected!r}")
    return problems


def test_facts_equal_ansible_setup(lab_hosts: list[LabHost], lab_inventory: Path) -> None:
    hosts, inventory = lab_hosts[:COMPARED_HOSTS], lab_inventory
    expected = _ansible_setup(inventory, [h.name for h in hosts], become=False)
    problems: list[str] = []
    for host in hosts:
        ours = gather_facts(_connection(host), python_interpreter=_interpreter(inventory))
        theirs = expected[host.name]
        problems += _compare(host.name, ours, theirs)
        mine_dt, their_dt = ours["ansible_date_time"], theirs["ansible_date_time"]
        assert {k: mine_dt[k] for k in ("tz", "tz_dst", "tz_offset")} == {
            k: their_dt[k] for k in ("tz", "tz_dst", "tz_offset")
        }
        assert abs(int(mine_dt["epoch"]) - int(their_dt["epoch"])) < 300
        assert set(mine_dt) == set(their_dt)
    assert not problems, "\n".join(problems)


def test_facts_with_become_equal_ansible_become(
    lab_hosts: list[LabHost], lab_inventory: Path
) -> None:
    host, inventory = lab_hosts[0], lab_inventory
    theirs = _ansible_setup(inventory, [host.name], become=True)[host.name]
    ours = gather_facts(
        _connection(host), become=Become(), python_interpreter=_interpreter(inventory)
    )
    assert ours["ansible_user_id"] == theirs["ansible_user_id"] == "root"
    problems = _compare(host.name, ours, theirs)
    assert not problems, "\n".join(problems)


def test_gathering_is_one_command_per_host(lab_hosts: list[LabHost]) -> None:
    for host in lab_hosts[:COMPARED_HOSTS]:
        conn = _connection(host)
        before = host.command_count()
        facts = gather_facts(conn)
        assert host.command_count() - before == 1
        assert facts["ansible_nodename"] == host.exec("uname -n", check=True).stdout.strip()
        before = host.command_count()
        gather_facts(conn, become=Become())
        assert host.command_count() - before == 1
