"""The difference between a declared machine and what the provider has: pure, no I/O.

:func:`plan_vm` is shared by every provider, so libvirt and OpenStack plan alike and the
plan logic is unit-tested once, as data. A provider only reads (``VmState``) and applies
(:class:`VmChange`). Order of the changes: stop first, then metadata, seed, size and disk,
start last, so that a change needing a stopped machine never surprises a running one.
A machine the provider found ``failed`` (a create that never finished) is replaced whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dockyard.errors import ProviderError
from dockyard.vm.spec import VmSpec, VmState

__all__ = ["VmChange", "VmOp", "plan_vm"]


class VmOp(StrEnum):
    CREATE = "create"
    REPLACE = "replace"
    REPAIR = "repair"
    RESEED = "reseed"
    RESIZE = "resize"
    GROW_DISK = "grow-disk"
    UPDATE_METADATA = "update-metadata"
    START = "start"
    STOP = "stop"
    DELETE = "delete"


@dataclass(frozen=True)
class VmChange:
    """One planned change of one machine. ``restart`` says the guest will be restarted
    to take it (the plan shows "restart required"); ``before``/``after`` feed ``--diff``."""

    op: VmOp
    name: str
    summary: str
    restart: bool = False
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)


def _size(cpus: int, memory_mib: int) -> str:
    return f"{cpus} cpu{'s' if cpus != 1 else ''}, {memory_mib} MiB"


def plan_vm(spec: VmSpec, current: VmState | None, *, adopt: bool = False) -> list[VmChange]:
    """What must happen for the provider to match ``spec``; [] when it already does.

    Raises ProviderError for a machine dockyard does not own (unless ``adopt``), one that
    belongs to another lab, or a disk that would have to shrink.
    """
    name = spec.name
    if current is None:
        if spec.state == "absent":
            return []
        return [VmChange(VmOp.CREATE, name,
                         f"create vm {name} ({_size(spec.cpus, spec.memory_mib)}, {spec.disk_gib} GiB disk"
                         f" from {spec.image or 'the default image'}, {spec.state})",
                         after=_declared(spec))]
    if not current.is_owned and not adopt:
        raise ProviderError(
            f"a machine named '{name}' exists but was not made by dockyard",
            hint="dockyard never touches machines it does not own: rename the declaration, "
                 "remove the machine yourself, or set adopt: true")
    if current.lab and spec.lab and current.lab != spec.lab:
        raise ProviderError(f"machine '{name}' belongs to lab '{current.lab}', not '{spec.lab}'",
                            hint="machine names are unique per provider; rename one of them")
    if spec.state == "absent":
        return [VmChange(VmOp.DELETE, name, f"delete vm {name} (and its disk and seed)",
                         before=_found(current))]
    if current.status == "failed":
        return [VmChange(VmOp.REPLACE, name,
                         f"replace vm {name}: {current.fault or 'its create did not finish'}",
                         restart=True, before=_found(current), after=_declared(spec))]
    if current.image and spec.image and current.image != spec.image:
        return [VmChange(VmOp.REPLACE, name,
                         f"replace vm {name}: image {current.image} -> {spec.image} (its disk is recreated)",
                         restart=True, before=_found(current), after=_declared(spec))]
    running = current.status == "running"
    changes: list[VmChange] = []
    if running and spec.state == "stopped":
        changes.append(VmChange(VmOp.STOP, name, f"stop vm {name}", before={"status": "running"},
                                after={"status": "stopped"}))
        running = False
    if tuple(current.groups) != tuple(spec.groups) or dict(current.host_vars) != dict(spec.host_vars):
        changes.append(VmChange(
            VmOp.UPDATE_METADATA, name, f"update inventory metadata of vm {name}",
            before={"groups": list(current.groups), "vars": dict(current.host_vars)},
            after={"groups": list(spec.groups), "vars": dict(spec.host_vars)}))
    if current.drift:
        changes.append(VmChange(VmOp.REPAIR, name, f"repair what vm {name} depends on: {'; '.join(current.drift)}",
                                before={"drift": list(current.drift)}, after={"drift": []}))
    if current.seed_hash != spec.seed_hash():
        changes.append(VmChange(
            VmOp.RESEED, name,
            f"re-seed vm {name} (ssh keys, user, hostname, networks or user-data changed)"
            + (": restart required" if running else ""),
            restart=running, before={"seed": current.seed_hash}, after={"seed": spec.seed_hash()}))
    if (current.cpus, current.memory_mib) != (spec.cpus, spec.memory_mib):
        changes.append(VmChange(
            VmOp.RESIZE, name,
            f"resize vm {name}: {_size(current.cpus, current.memory_mib)} -> {_size(spec.cpus, spec.memory_mib)}"
            + (": restart required" if running else ""),
            restart=running, before={"cpus": current.cpus, "memory_mib": current.memory_mib},
            after={"cpus": spec.cpus, "memory_mib": spec.memory_mib}))
    if spec.disk_gib < current.disk_gib:
        raise ProviderError(f"the disk of vm '{name}' is {current.disk_gib} GiB; it cannot shrink to {spec.disk_gib} GiB",
                            hint=f"declare disk: {current.disk_gib} or more, or delete and recreate the machine")
    if spec.disk_gib > current.disk_gib:
        changes.append(VmChange(VmOp.GROW_DISK, name,
                                f"grow the disk of vm {name}: {current.disk_gib} -> {spec.disk_gib} GiB",
                                before={"disk_gib": current.disk_gib}, after={"disk_gib": spec.disk_gib}))
    if not running and spec.state == "running":
        changes.append(VmChange(VmOp.START, name, f"start vm {name}", before={"status": current.status},
                                after={"status": "running"}))
    return changes


def _declared(spec: VmSpec) -> dict[str, Any]:
    return {"status": spec.state, "cpus": spec.cpus, "memory_mib": spec.memory_mib, "disk_gib": spec.disk_gib,
            "image": spec.image, "groups": list(spec.groups), "seed": spec.seed_hash()}


def _found(state: VmState) -> dict[str, Any]:
    return {"status": state.status, "cpus": state.cpus, "memory_mib": state.memory_mib,
            "disk_gib": state.disk_gib, "image": state.image, "groups": list(state.groups),
            "seed": state.seed_hash}
