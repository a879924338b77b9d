"""plan_vm as data: a declaration and what the provider found in, the planned changes out."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dockyard.errors import ProviderError
from dockyard.vm.plan import VmOp, plan_vm
from dockyard.vm.spec import OWNER, VmSpec, VmState

SPEC = VmSpec(name="node1", cpus=1, memory_mib=1024, disk_gib=8, image="/img/bookworm.qcow2",
              ssh_keys=("ssh-ed25519 AAAA test",), groups=("workers",), host_vars={"zone": "a"}, lab="lab1")


def found(spec: VmSpec = SPEC, **changes: object) -> VmState:
    """What a provider reads back for a machine made from ``spec``, with ``changes`` applied."""
    state = VmState(name=spec.name, status="running", cpus=spec.cpus, memory_mib=spec.memory_mib,
                    disk_gib=spec.disk_gib, owner=OWNER, lab=spec.lab, image=spec.image,
                    seed_hash=spec.seed_hash(), groups=spec.groups, host_vars=dict(spec.host_vars))
    return replace(state, **changes)  # type: ignore[arg-type]


def ops(spec: VmSpec, current: VmState | None) -> list[tuple[VmOp, bool]]:
    return [(change.op, change.restart) for change in plan_vm(spec, current)]


def test_nothing_to_do_when_the_machine_matches() -> None:
    assert plan_vm(SPEC, found()) == []


def test_a_missing_machine_is_created_and_an_absent_one_stays_absent() -> None:
    (change,) = plan_vm(SPEC, None)
    assert change.op is VmOp.CREATE
    assert "1 cpu, 1024 MiB, 8 GiB disk" in change.summary
    assert plan_vm(replace(SPEC, state="absent"), None) == []


def test_absent_deletes() -> None:
    assert ops(replace(SPEC, state="absent"), found()) == [(VmOp.DELETE, False)]


def test_resize_of_a_running_machine_needs_a_restart() -> None:
    (change,) = plan_vm(replace(SPEC, cpus=2, memory_mib=2048), found())
    assert (change.op, change.restart) == (VmOp.RESIZE, True)
    assert "restart required" in change.summary
    assert change.before == {"cpus": 1, "memory_mib": 1024}
    assert change.after == {"cpus": 2, "memory_mib": 2048}


def test_resize_of_a_stopped_machine_then_start_in_that_order() -> None:
    assert ops(replace(SPEC, cpus=2), found(status="stopped")) == [(VmOp.RESIZE, False), (VmOp.START, False)]


def test_stopping_comes_before_other_changes_and_needs_no_restart() -> None:
    planned = ops(replace(SPEC, state="stopped", memory_mib=512), found())
    assert planned == [(VmOp.STOP, False), (VmOp.RESIZE, False)]


def test_a_changed_seed_is_a_planned_reseed_not_a_silent_no_op() -> None:
    changed = replace(SPEC, ssh_keys=("ssh-ed25519 BBBB other",))
    assert ops(changed, found()) == [(VmOp.RESEED, True)]
    assert ops(replace(SPEC, user_data={"packages": ["htop"]}), found()) == [(VmOp.RESEED, True)]


def test_metadata_only_changes_touch_no_guest() -> None:
    assert ops(replace(SPEC, groups=("managers",)), found()) == [(VmOp.UPDATE_METADATA, False)]
    assert ops(replace(SPEC, host_vars={"zone": "b"}), found()) == [(VmOp.UPDATE_METADATA, False)]


def test_a_new_image_replaces_the_machine() -> None:
    assert ops(replace(SPEC, image="/img/trixie.qcow2"), found()) == [(VmOp.REPLACE, True)]


def test_disk_grows_and_never_shrinks() -> None:
    assert ops(replace(SPEC, disk_gib=16), found()) == [(VmOp.GROW_DISK, False)]
    with pytest.raises(ProviderError, match="cannot shrink") as raised:
        plan_vm(replace(SPEC, disk_gib=4), found())
    assert raised.value.hint is not None and "disk: 8" in raised.value.hint


def test_a_machine_dockyard_did_not_make_is_refused_unless_adopted() -> None:
    stranger = found(owner="", lab="", seed_hash="")
    with pytest.raises(ProviderError, match="not made by dockyard"):
        plan_vm(SPEC, stranger)
    with pytest.raises(ProviderError):
        plan_vm(replace(SPEC, state="absent"), stranger)  # not even deleted
    assert VmOp.RESEED in {change.op for change in plan_vm(SPEC, stranger, adopt=True)}


def test_a_machine_of_another_lab_is_refused() -> None:
    with pytest.raises(ProviderError, match="belongs to lab 'other'"):
        plan_vm(SPEC, found(lab="other"))


def test_seed_hash_ignores_key_whitespace_and_order_but_not_content() -> None:
    keys = ("ssh-ed25519 AAAA a", "ssh-ed25519 BBBB b")
    one = replace(SPEC, ssh_keys=keys)
    assert one.seed_hash() == replace(SPEC, ssh_keys=(keys[1] + "\n", keys[0])).seed_hash()
    assert one.seed_hash() != replace(SPEC, ssh_keys=keys[:1]).seed_hash()
    assert replace(SPEC, hostname="").seed_hash() == replace(SPEC, hostname="node1").seed_hash()


def test_a_failed_create_is_replaced_whole_or_deleted() -> None:
    failed = found(status="failed", fault="its create did not finish (server s1 left BUILD)")
    changes = plan_vm(SPEC, failed)
    assert [(change.op, change.summary) for change in changes] == [
        (VmOp.REPLACE, "replace vm node1: its create did not finish (server s1 left BUILD)")]
    assert ops(replace(SPEC, state="absent"), failed) == [(VmOp.DELETE, False)]


def test_drift_of_what_the_machine_depends_on_is_repaired_without_restart() -> None:
    drifted = found(drift=("security group dockyard-lab1 lacks 6443/tcp from members",))
    changes = plan_vm(SPEC, drifted)
    assert [(change.op, change.restart) for change in changes] == [(VmOp.REPAIR, False)]
    assert "lacks 6443/tcp" in changes[0].summary
