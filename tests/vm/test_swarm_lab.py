"""The example lab, end to end on QEMU TCG VMs: ``dockyard lab up playbooks/swarm-lab.yml`` ->
a Docker Swarm of 3 VMs with the check service on every node -> ``lab down`` leaves nothing.

The lab file of the checkout is used as it is, with only what makes it this test's own: the
machine names prefixed with the test lab's name, its pool, key, lab name and LAN (so that
the test never touches a lab someone brought up by hand). Timings go to the terminal summary.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from dockyard.vm.lan import hub_pid
from tests.integration.cli import run_dockyard
from tests.vm.conftest import TIMINGS, VmLab
from tests.vm.test_libvirt_vms import assert_nothing_left, recap

pytestmark = pytest.mark.vm

EXAMPLE = Path(__file__).resolve().parents[2] / "playbooks" / "swarm-lab.yml"


def own_lab_file(lab: VmLab) -> tuple[Path, list[str]]:
    """playbooks/swarm-lab.yml made this test's: names, pool, lab, LAN. Returns the file and the names."""
    plays: list[dict[str, Any]] = yaml.safe_load(EXAMPLE.read_text())
    task = plays[0]["tasks"][0]["vm"]
    assert task["image"] == "dockyard:bookworm-docker" and task["networks"] == ["user", "lan:swarm-lab"]
    names = []
    for machine in task["machines"]:
        machine["name"] = f"{lab.name}-{machine['name']}"
        names.append(machine["name"])
    task["lab"] = lab.name
    task["networks"] = ["user", f"lan:{lab.name}"]
    task["provider_options"] = {**task["provider_options"], **{
        key: value for key, value in lab.options().items() if key not in ("ssh_private_key", "restrict")}}
    path = lab.work / "swarm-lab.yml"
    path.write_text(yaml.safe_dump(plays, sort_keys=False))
    return path, names


def ssh(path: Path, lab: VmLab, machine: str, command: str) -> str:
    """Run ``command`` (one shell line: OpenSSH joins the words after the host, as ``lab ssh`` does)."""
    done = run_dockyard("lab", "ssh", str(path), machine, "--", command, cwd=lab.work, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_swarm_lab_up_service_running_then_down(vm_lab: VmLab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKYARD_HOME", str(vm_lab.work / "home"))
    path, names = own_lab_file(vm_lab)
    manager, *workers = names

    started = time.monotonic()
    up = run_dockyard("lab", "up", str(path), cwd=vm_lab.work, timeout=2400)
    up_seconds = time.monotonic() - started
    assert up.returncode == 0, up.stdout[-6000:] + up.stderr[-3000:]
    vm_lab.record_boot(up.stdout)
    TIMINGS.append(f"swarm lab up, 3 VMs to the check service running: {up_seconds:.0f} s "
                   f"(host load {os.getloadavg()[0]:.1f})")
    assert vm_lab.hubs() == [vm_lab.name]
    for name in names:  # lab up lists each machine with its SSH forward and its LAN address
        assert re.search(rf"^  {re.escape(name)}\s+running\s.*ssh 127\.0\.0\.1:\d+\s+groups \S+"
                         rf"  lan {vm_lab.name} 10\.88\.0\.\d+$", up.stdout, re.M), up.stdout[-3000:]

    nodes = ssh(path, vm_lab, manager, "sudo docker node ls --format '{{.Hostname}} {{.Status}} {{.Availability}}'")
    assert sorted(nodes.split("\n")[:-1]) == sorted(f"{name} Ready Active" for name in names), nodes
    addresses = ssh(path, vm_lab, manager, f"sudo docker node inspect --format '{{{{.Status.Addr}}}}' {' '.join(names)}")
    assert all(re.fullmatch(r"10\.88\.0\.\d+", line) for line in addresses.split()), addresses  # the LAN, not slirp
    assert len(set(addresses.split())) == 3, addresses
    tasks = ssh(path, vm_lab, manager, "sudo docker service ps dockyard-check --filter desired-state=running"
                                       " --format '{{.Node}} {{.CurrentState}}'")
    running = [line.split()[0] for line in tasks.splitlines() if " Running " in f" {line} "]
    assert sorted(running) == sorted(names), tasks  # one replica on each of the 3 nodes
    labels = ssh(path, vm_lab, manager, f"sudo docker node inspect --format '{{{{.Spec.Labels.zone}}}}' {' '.join(names)}")
    assert labels.split() == ["a", "b", "c"], labels
    for worker in workers:  # the LAN carries traffic between workers too, not only to the manager
        ping = ssh(path, vm_lab, worker, f"sudo ping -c 1 -W 5 {addresses.split()[0]}")
        assert " 0% packet loss" in ping, ping

    again = run_dockyard("lab", "up", str(path), cwd=vm_lab.work, timeout=1500)
    assert again.returncode == 0, again.stdout[-6000:] + again.stderr[-3000:]
    for host in ("localhost", *names):
        assert recap(again.stdout, host)["changed"] == 0, again.stdout[-6000:]

    # The switch dies (killed, or the host rebooted): the plan says so, and up starts it again.
    os.kill(hub_pid(vm_lab.lan_dir, vm_lab.name) or 0, signal.SIGKILL)
    repaired = run_dockyard("lab", "up", str(path), cwd=vm_lab.work, timeout=1500)
    assert repaired.returncode == 0, repaired.stdout[-6000:] + repaired.stderr[-3000:]
    assert f"LAN {vm_lab.name} has no switch running" in repaired.stdout, repaired.stdout[-6000:]
    assert repaired.stdout.count(f": LAN switch started ({vm_lab.name})") == 1, repaired.stdout[-6000:]
    assert recap(repaired.stdout, "localhost")["changed"] == 1
    assert vm_lab.hubs() == [vm_lab.name]
    ping = ssh(path, vm_lab, workers[0], f"sudo ping -c 1 -W 5 {addresses.split()[-1]}")
    assert " 0% packet loss" in ping, ping

    status = run_dockyard("lab", "status", str(path), cwd=vm_lab.work, timeout=300)
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"lab {vm_lab.name}: 3 machine(s)" in status.stdout, status.stdout
    assert f"swarm services (from {manager})" in status.stdout and "dockyard-check" in status.stdout, status.stdout
    assert status.stdout.count(" Ready ") == 3, status.stdout

    down = run_dockyard("lab", "down", str(path), cwd=vm_lab.work, timeout=900)
    assert down.returncode == 0, down.stdout + down.stderr
    assert_nothing_left(vm_lab, names)
    assert vm_lab.hubs() == [] and list(vm_lab.lan_dir.iterdir()) == []  # no PID file or log either
    assert not [pid for pid in os.listdir("/proc") if pid.isdigit() and _is_hub_of(int(pid), vm_lab.name)]


def _is_hub_of(pid: int, lan: str) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(arg.endswith(b"hub.py") for arg in argv) and lan.encode() in argv
