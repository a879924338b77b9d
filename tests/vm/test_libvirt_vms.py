"""VMs under QEMU TCG through a real libvirtd, driven by `dockyard play` as a user would.

Each test gets its own lab (pool, key, lab name; see conftest.py) and proves at the end that
nothing it made is left. ``test_smoke_one_vm`` and the two-process LAN test run in ``./dev
test``; the rest is the full set: ``python -m pytest -m vm tests/vm``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from dockyard.vm.domain import Metadata, parse_domain
from tests.integration.cli import run_dockyard
from tests.vm.conftest import VmLab

pytestmark = pytest.mark.vm

SSH_OPTIONS = ("--host-key-checking", "off", "--timeout", "120")


def vm_play(lab: VmLab, machines: list[dict[str, Any]], **common: Any) -> dict[str, Any]:
    """The play that declares ``machines`` in ``lab``."""
    task = {"provider": "libvirt", "provider_options": lab.options(), "image": str(lab.image),
            "ssh_keys": [lab.public_key], "lab": lab.name, "machines": machines, "ssh_timeout": 900, **common}
    return {"hosts": "localhost", "gather_facts": False, "tasks": [{"name": "machines", "vm": task}]}


def write_playbook(lab: VmLab, name: str, plays: list[dict[str, Any]]) -> Path:
    path = lab.work / name
    path.write_text(yaml.safe_dump(plays, sort_keys=False))
    return path


def play(lab: VmLab, playbook: Path, *extra: str, timeout: float = 1500) -> subprocess.CompletedProcess[str]:
    done = run_dockyard("play", str(playbook), "--private-key", str(lab.key), *SSH_OPTIONS, *extra,
                        cwd=lab.work, timeout=timeout)  # cwd: no ./inventory of the checkout joins in
    lab.record_boot(done.stdout)
    return done


def recap(output: str, host: str) -> dict[str, int]:
    match = re.search(rf"^{re.escape(host)}\s+:\s+(.*)$", output, re.MULTILINE)
    assert match, f"no recap line for {host}:\n{output}"
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


def virsh(lab: VmLab, *args: str) -> str:
    return subprocess.run(["virsh", "-c", lab.uri, *args], capture_output=True, text=True, check=True).stdout


def assert_nothing_left(lab: VmLab, names: list[str]) -> None:
    listed = virsh(lab, "list", "--all", "--name").split()
    assert not set(names) & set(listed), listed
    assert lab.domains() == []
    assert lab.volumes() == []
    assert [path.name for path in lab.pool_path.iterdir()] == []
    for name in names:
        assert not Path(f"/var/log/libvirt/qemu/{name}-console.log").exists()


def test_smoke_one_vm(vm_lab: VmLab) -> None:
    """Create one VM, run a play on it through the inventory it joined, delete it."""
    name = f"{vm_lab.name}-smoke"
    playbook = write_playbook(vm_lab, "smoke.yml", [
        vm_play(vm_lab, [{"name": name, "groups": ["smoke"]}]),
        {"hosts": "smoke", "gather_facts": False, "tasks": [
            {"command": "cat /etc/hostname", "register": "hostname", "changed_when": False},
            {"assert": {"that": [f"hostname.stdout == '{name}'"]}}]},
    ])
    done = play(vm_lab, playbook)
    assert done.returncode == 0, done.stdout + done.stderr
    assert recap(done.stdout, name)["failed"] == 0
    assert name in vm_lab.booted
    absent = write_playbook(vm_lab, "absent.yml", [vm_play(vm_lab, [{"name": name}], state="absent")])
    done = play(vm_lab, absent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_nothing_left(vm_lab, [name])


def test_two_vms_play_reapply_resize_destroy(vm_lab: VmLab) -> None:
    names = [f"{vm_lab.name}-a", f"{vm_lab.name}-b"]
    machines: list[dict[str, Any]] = [{"name": names[0], "groups": ["web"], "vars": {"role": "first"}},
                {"name": names[1], "groups": ["web"], "vars": {"role": "second"}}]
    on_vms = {"hosts": "web", "gather_facts": False, "become": True, "tasks": [
        {"copy": {"dest": "/etc/dockyard-role", "content": "{{ role }}\n", "mode": "0644"}},
        {"command": "cat /etc/dockyard-role", "register": "role_file", "changed_when": False},
        {"assert": {"that": ["role_file.stdout == role"]}}]}
    site = write_playbook(vm_lab, "site.yml", [vm_play(vm_lab, machines), on_vms])

    created = play(vm_lab, site)
    assert created.returncode == 0, created.stdout + created.stderr
    for name in names:
        counts = recap(created.stdout, name)
        assert (counts["changed"], counts["failed"], counts["unreachable"]) == (1, 0, 0), created.stdout
    assert set(vm_lab.booted) >= set(names)

    inventory = vm_lab.work / "libvirt.yml"
    inventory.write_text(yaml.safe_dump({"plugin": "libvirt", "uri": vm_lab.uri, "lab": vm_lab.name}))
    pools = virsh(vm_lab, "pool-list", "--all", "--name").split()
    listed = run_dockyard("inventory", "-i", str(inventory), "--list", cwd=vm_lab.work)
    assert listed.returncode == 0, listed.stderr
    assert virsh(vm_lab, "pool-list", "--all", "--name").split() == pools  # reading made no pool
    data = json.loads(listed.stdout)
    assert sorted(data["web"]["hosts"]) == names
    assert {data["_meta"]["hostvars"][name]["role"] for name in names} == {"first", "second"}
    assert all(data["_meta"]["hostvars"][name]["ansible_host"] == "127.0.0.1" for name in names)

    again = play(vm_lab, site)
    assert again.returncode == 0, again.stdout + again.stderr
    assert recap(again.stdout, "localhost")["changed"] == 0
    assert all(recap(again.stdout, name)["changed"] == 0 for name in names)

    # resize and re-seed one machine: both need a restart, and it restarts once
    machines[1]["memory"] = 768
    machines[1]["user_data"] = {"write_files": [{"path": "/etc/dockyard-reseeded", "content": "yes\n"}]}
    reseeded = {"hosts": names[1], "gather_facts": False, "tasks": [
        {"command": "cat /etc/dockyard-reseeded", "register": "marker", "changed_when": False},
        {"assert": {"that": ["marker.stdout == 'yes'"]}}]}
    resized = write_playbook(vm_lab, "resized.yml", [vm_play(vm_lab, machines), on_vms, reseeded])
    checked = play(vm_lab, resized, "--check", "-v")  # -v: each planned step, with its summary
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"resize vm {names[1]}: 1 cpu, 1024 MiB -> 1 cpu, 768 MiB: restart required" in checked.stdout
    assert f"re-seed vm {names[1]} (ssh keys, user, hostname, networks or user-data changed): restart required" in checked.stdout
    assert "1048576 KiB" in virsh(vm_lab, "dominfo", names[1])  # check mode left it alone
    applied = play(vm_lab, resized)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert applied.stdout.count(f"{names[1]}: shutting down to apply the change") == 1
    assert "786432 KiB" in virsh(vm_lab, "dominfo", names[1])
    assert "running" in virsh(vm_lab, "domstate", names[1])
    assert recap(applied.stdout, names[1])["failed"] == 0  # reachable again, with the new seed applied
    assert recap(applied.stdout, names[0])["changed"] == 0

    gone = play(vm_lab, write_playbook(vm_lab, "absent.yml", [vm_play(vm_lab, machines, state="absent")]))
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert_nothing_left(vm_lab, names)


def test_five_vms_created_in_parallel_in_one_task(vm_lab: VmLab) -> None:
    names = [f"{vm_lab.name}-p{index}" for index in range(5)]
    playbook = write_playbook(vm_lab, "five.yml", [
        vm_play(vm_lab, [{"name": name} for name in names], wait_for_ssh=False, parallel=5)])
    done = play(vm_lab, playbook, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "asynchronous jobs" not in done.stdout + done.stderr
    assert vm_lab.domains() == names
    assert len(vm_lab.volumes()) == 10
    progress = [line for line in done.stdout.splitlines() if "] " + vm_lab.name in line]
    first_start = next(index for index, line in enumerate(progress) if ": started (" in line)
    began = {line.split("] ", 1)[1].split(":")[0] for line in progress[:first_start] if ": create vm " in line}
    assert began == set(names), textwrap.indent("\n".join(progress), "  ")  # all five under way at once
    gone = play(vm_lab, write_playbook(vm_lab, "absent.yml", [
        vm_play(vm_lab, [{"name": name} for name in names], state="absent")]), timeout=600)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert_nothing_left(vm_lab, names)


def test_two_dockyard_processes_creating_on_one_lan_give_every_machine_its_own_place(vm_lab: VmLab) -> None:
    """Two `dockyard play` at once, three machines each on the same LAN (stopped: no boot
    needed): six distinct addresses and ports, one switch port, no reservation left."""
    lan = f"{vm_lab.name}-lan"
    books = {
        side: write_playbook(vm_lab, f"{side}.yml", [vm_play(
            vm_lab, [{"name": f"{vm_lab.name}-{side}{index}"} for index in range(3)],
            networks=["user", f"lan:{lan}"], state="stopped", wait_for_ssh=False, parallel=3)])
        for side in ("a", "b")
    }
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    runs = [subprocess.Popen([sys.executable, "-m", "dockyard.cli.main", "play", str(book), *SSH_OPTIONS],
                             cwd=vm_lab.work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for book in books.values()]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], "\n".join(outputs)
    seats = [seat for name in vm_lab.domains() for seat in _metadata(vm_lab, name).lans]
    assert len(seats) == 6
    assert len({seat.address for seat in seats}) == 6, seats
    assert len({seat.port for seat in seats}) == 6, seats
    assert {seat.hub_port for seat in seats} == {seats[0].hub_port}, seats
    assert list(vm_lab.lan_dir.glob("*.seats")) == []
    names = vm_lab.domains()
    gone = play(vm_lab, write_playbook(vm_lab, "absent.yml", [
        vm_play(vm_lab, [{"name": name} for name in names], state="absent")]), timeout=600)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert_nothing_left(vm_lab, names)
    assert list(vm_lab.lan_dir.iterdir()) == []


def _metadata(lab: VmLab, name: str) -> Metadata:
    meta = parse_domain(virsh(lab, "dumpxml", "--inactive", name)).metadata
    assert meta is not None
    return meta


def test_a_failed_create_removes_what_it_made(vm_lab: VmLab) -> None:
    """QEMU cannot bind the forwarded port (it is taken), so the start fails after the
    volumes and the domain exist: all of it is removed again, and the error says why."""
    name = f"{vm_lab.name}-fail"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        options = {**vm_lab.options(), "ssh_port": port}
        playbook = write_playbook(vm_lab, "fail.yml", [vm_play(vm_lab, [{"name": name}], provider_options=options)])
        done = play(vm_lab, playbook, timeout=600)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"vm {name}: create failed, removed what it made" in done.stdout
    assert_nothing_left(vm_lab, [name])


def test_a_vm_without_ssh_in_time_is_reported_with_its_console(vm_lab: VmLab) -> None:
    name = f"{vm_lab.name}-slow"
    playbook = write_playbook(vm_lab, "slow.yml", [vm_play(vm_lab, [{"name": name}], ssh_timeout=25)])
    done = play(vm_lab, playbook, timeout=600)
    assert done.returncode == 2, done.stdout + done.stderr
    assert re.search(rf"vm {name}: no ssh on 127\.0\.0\.1:\d+ after 25 s", done.stdout), done.stdout
    assert "serial console" in done.stdout
    gone = play(vm_lab, write_playbook(vm_lab, "absent.yml", [vm_play(vm_lab, [{"name": name}], state="absent")]))
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert_nothing_left(vm_lab, [name])


def test_lab_up_status_ssh_down(vm_lab: VmLab, monkeypatch: pytest.MonkeyPatch) -> None:
    """`dockyard lab` on one VM: up (twice: no change), status, ssh, down leaves nothing."""
    monkeypatch.setenv("DOCKYARD_HOME", str(vm_lab.work / "home"))
    name = f"{vm_lab.name}-lab"
    options = {**vm_lab.options(), "ssh_private_key": "{{ dockyard_lab_key }}"}
    lab_file = write_playbook(vm_lab, "lab.yml", [
        {"hosts": "localhost", "gather_facts": False, "tasks": [{"name": "machines", "vm": {
            "provider": "libvirt", "provider_options": options, "image": str(vm_lab.image),
            "ssh_keys": ["{{ dockyard_lab_public_key }}"], "lab": vm_lab.name,
            "machines": [{"name": name, "groups": ["nodes"]}]}}]},
        {"hosts": "nodes", "gather_facts": False, "tasks": [
            {"command": "cat /etc/hostname", "register": "hostname", "changed_when": False},
            {"assert": {"that": [f"hostname.stdout == '{name}'"]}}]},
    ])
    up = run_dockyard("lab", "up", str(lab_file), cwd=vm_lab.work, timeout=1500)
    assert up.returncode == 0, up.stdout + up.stderr
    vm_lab.record_boot(up.stdout)
    assert re.search(rf"^  {re.escape(name)}\s+running\s.*ssh 127\.0\.0\.1:\d+\s+groups nodes$", up.stdout, re.M), up.stdout
    key = vm_lab.work / "home" / "labs" / vm_lab.name / "id_ed25519"
    assert key.exists()
    again = run_dockyard("lab", "up", str(lab_file), cwd=vm_lab.work, timeout=900)
    assert again.returncode == 0, again.stdout + again.stderr
    assert recap(again.stdout, "localhost")["changed"] == 0
    status = run_dockyard("lab", "status", str(lab_file), cwd=vm_lab.work, timeout=300)
    assert status.returncode == 0 and f"lab {vm_lab.name}: 1 machine(s)" in status.stdout, status.stderr
    ssh = run_dockyard("lab", "ssh", str(lab_file), name, "--", "cat", "/etc/hostname", cwd=vm_lab.work,
                       timeout=300)
    assert (ssh.returncode, ssh.stdout.strip()) == (0, name), ssh.stderr
    down = run_dockyard("lab", "down", str(lab_file), cwd=vm_lab.work, timeout=600)
    assert down.returncode == 0, down.stdout + down.stderr
    assert f"deleting vm {name}" in down.stdout
    assert_nothing_left(vm_lab, [name])
    assert not key.parent.exists()
