"""The vm module's pure parts: machines from arguments, and steps from states."""

from __future__ import annotations

import pytest

from dockyard.errors import ModuleError
from dockyard.modules.args import validate
from dockyard.modules.step import Action
from dockyard.modules.vm import VmArgs, VmModule, VmRead, specs_from_args
from dockyard.vm.spec import OWNER, SshAddress, VmState


def args(**raw: object) -> VmArgs:
    return validate(VmArgs, raw, module="vm")


def test_machines_inherit_common_arguments_and_override_them() -> None:
    specs = specs_from_args(args(image="/img/a.qcow2", memory=1024, lab="l", ssh_key="ssh-ed25519 K",
                                 machines=[{"name": "m1", "groups": ["managers"]},
                                           {"name": "w1", "memory": "2048", "options": {"pool": "p"}}]))
    assert [(s.name, s.memory_mib, s.groups, s.image, s.lab) for s in specs] == [
        ("m1", 1024, ("managers",), "/img/a.qcow2", "l"), ("w1", 2048, (), "/img/a.qcow2", "l")]
    assert specs[1].options == {"pool": "p"}
    assert specs[0].ssh_keys == ("ssh-ed25519 K",)


def test_bad_machine_entries_are_named() -> None:
    with pytest.raises(ModuleError, match="unknown key"):
        specs_from_args(args(machines=[{"name": "m1", "cpu": 2}]))
    with pytest.raises(ModuleError, match="declared twice: m1"):
        specs_from_args(args(machines=[{"name": "m1"}, {"name": "m1"}]))
    with pytest.raises(ModuleError, match="not both"):
        specs_from_args(args(name="x", machines=[{"name": "m1"}]))
    with pytest.raises(ModuleError, match=r"machine 'm1': .*memory.*expected an integer"):
        specs_from_args(args(machines=[{"name": "m1", "memory": "lots"}]))


def test_steps_and_result_from_states() -> None:
    module = VmModule()
    vm_args = args(machines=[{"name": "new"}, {"name": "old", "cpus": 2}], user="debian", groups=["g"])
    specs = {spec.name: spec for spec in specs_from_args(vm_args)}
    old = VmState(name="old", status="running", cpus=1, memory_mib=1024, disk_gib=8, owner=OWNER,
                  seed_hash=specs["old"].seed_hash(), groups=("g",), address=SshAddress("127.0.0.1", 2201))
    current = VmRead({"new": None, "old": old})
    steps = module.steps(current, module.desired(vm_args, None), vm_args)  # type: ignore[arg-type]
    assert [(step.action, step.command) for step in steps] == [(Action.CREATE, ""), (Action.UPDATE, "")]
    assert "restart required" in steps[1].summary
    result = module.result(vm_args, current, current, steps)
    assert result["add_host"] == [{"host_name": "old", "groups": ["g"], "host_vars": {
        "ansible_host": "127.0.0.1", "ansible_port": 2201, "ansible_user": "debian"}}]
    assert [vm["status"] for vm in result["vms"]] == ["absent", "running"]
