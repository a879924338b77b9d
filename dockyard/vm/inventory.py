"""Dynamic inventory of dockyard-owned machines: ``plugin: libvirt`` / ``plugin: openstack``.

A later run finds the machines an earlier ``vm`` task made, from the provider alone::

    # inventory/lab.yml
    plugin: libvirt            # or openstack (with cloud: ...)
    uri: qemu:///system        # provider options, as in the vm task's provider_options
    lab: swarm-lab             # optional: only this lab's machines

Every owned, running machine with an address becomes a host named like the machine, in the
groups and with the vars of its declaration, plus ``ansible_host``, ``ansible_port`` and
``ansible_user``. Stopped machines are listed in the group ``stopped`` without an address.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dockyard.errors import Diagnostics, DockyardError, InventoryError
from dockyard.inventory.model import Inventory
from dockyard.source import MarkedDict, Span
from dockyard.vm.base import owned_machines
from dockyard.vm.spec import VmState

__all__ = ["VmInventoryPlugin", "host_vars_of", "register_vm_plugins"]


def host_vars_of(state: VmState) -> dict[str, Any]:
    """The inventory variables of one machine: its declared vars plus how to reach it."""
    values: dict[str, Any] = dict(state.host_vars)
    if state.address is not None:
        values.update(state.address.connection_vars(state.user))
    return values


@dataclass(frozen=True)
class VmInventoryPlugin:
    provider: str
    names: tuple[str, ...]

    def populate(self, inventory: Inventory, config: Mapping[str, Any], path: Path,
                 diagnostics: Diagnostics) -> None:
        options = {str(key): value for key, value in config.items() if key not in ("plugin", "lab")}
        lab = config.get("lab")
        try:
            machines = owned_machines(self.provider, options, str(lab) if lab else None)
        except DockyardError as error:
            span = config.value_span("plugin") if isinstance(config, MarkedDict) else Span(str(path), 1)
            diagnostics.add(InventoryError(f"{self.provider} inventory: {error.message}", span=span,
                                           hint=error.hint))
            return
        for state in machines:
            groups = list(state.groups) if state.status == "running" else ["stopped"]
            inventory.add_host(state.name, groups, host_vars_of(state))


def register_vm_plugins(register: Callable[[Any], None]) -> None:
    register(VmInventoryPlugin("libvirt", ("libvirt", "dockyard.libvirt", "community.libvirt.libvirt")))
    register(VmInventoryPlugin("openstack", ("openstack", "dockyard.openstack", "openstack.cloud.openstack")))
