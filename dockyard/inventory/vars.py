"""The one place where a host's inventory variables are merged, in Ansible's order.

Lowest first; a later layer replaces a whole top-level value (no deep merge, as
Ansible's default ``hash_behaviour = replace``)::

    1. the ``all`` group's vars written in inventory files
    2. every other group's vars written in inventory files, groups in the order
       (depth, ansible_group_priority, name): parents before children
    3. group_vars/all, next to each inventory source (in -i order)
    4. group_vars/GROUP, for each source (in -i order), groups in the order of 2
    5. the host's vars written in inventory files (host lines, ``hosts:`` entries)
    6. host_vars/HOST, next to each source (in -i order)

The playbook layers (playbook-adjacent group_vars/host_vars, facts, play vars, ...,
extra vars) are added above these by the playbook engine, not here.

:func:`merged_vars` gives the values; :func:`explain_vars` gives each value with its
:class:`~dockyard.inventory.model.Origin` and the values it hides, for ``dockyard vars``.
Both walk the same :func:`layers`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dockyard.inventory.model import Group, Origin
from dockyard.inventory.ranges import is_ip

if TYPE_CHECKING:
    from dockyard.inventory.model import Host, Inventory

__all__ = [
    "Layer",
    "Sourced",
    "explain_vars",
    "group_own_vars",
    "host_own_vars",
    "layers",
    "magic_vars",
    "merged_vars",
    "sort_groups",
]


@dataclass(frozen=True)
class Layer:
    """One step of the precedence list: its number (1-6), a title and its values."""

    rank: int
    title: str
    values: Mapping[str, Any]
    origins: Mapping[str, Origin]


@dataclass(frozen=True)
class Sourced:
    """A variable's value, where it was set, and the lower values it replaced."""

    value: Any
    origin: Origin
    rank: int
    hidden: tuple[Sourced, ...] = ()


def sort_groups(groups: list[Group]) -> list[Group]:
    """Ansible's merge order: by depth, then ``ansible_group_priority``, then name."""
    return sorted(groups, key=lambda g: (g.depth, g.priority, g.name))


def layers(inventory: Inventory, host: Host) -> list[Layer]:
    """The host's variable layers, lowest precedence first (see the module docs)."""
    top = inventory.groups["all"]
    groups = sort_groups([g for g in inventory.groups_of(host) if g is not top])
    result = [Layer(1, "[all] vars in inventory", top.vars, top.origins)]
    result += [Layer(2, f"[{g.name}] vars in inventory", g.vars, g.origins) for g in groups]
    for vars_dir in inventory.vars_dirs:
        found = vars_dir.group("all")
        if found:
            result.append(Layer(3, found.label, found.values, found.origins))
    for vars_dir in inventory.vars_dirs:
        for group in groups:
            found = vars_dir.group(group.name)
            if found:
                result.append(Layer(4, found.label, found.values, found.origins))
    result.append(Layer(5, f"host {host.name} in inventory", host.vars, host.origins))
    for vars_dir in inventory.vars_dirs:
        found = vars_dir.host(host.name)
        if found:
            result.append(Layer(6, found.label, found.values, found.origins))
    return result


def merged_vars(inventory: Inventory, host: Host) -> dict[str, Any]:
    """The host's inventory variables after precedence: what tasks will see."""
    merged: dict[str, Any] = {}
    for layer in layers(inventory, host):
        merged.update(layer.values)
    return merged


def explain_vars(inventory: Inventory, host: Host) -> dict[str, Sourced]:
    """Each variable's winning value with its origin, and the values it replaced."""
    explained: dict[str, Sourced] = {}
    for layer in layers(inventory, host):
        for key, value in layer.values.items():
            origin = layer.origins.get(key) or Origin(None, layer.title)
            below = explained.get(key)
            hidden = (*below.hidden, _plain(below)) if below else ()
            explained[key] = Sourced(value, origin, layer.rank, hidden)
    return explained


def _plain(sourced: Sourced) -> Sourced:
    return Sourced(sourced.value, sourced.origin, sourced.rank)


def group_own_vars(inventory: Inventory, group: Group) -> dict[str, Any]:
    """A group's vars from inventory files, then from each source's ``group_vars/``."""
    values = dict(group.vars)
    for vars_dir in inventory.vars_dirs:
        found = vars_dir.group(group.name)
        if found:
            values.update(found.values)
    return values


def host_own_vars(inventory: Inventory, host: Host) -> dict[str, Any]:
    """A host's vars from inventory files, then from each source's ``host_vars/``."""
    values = dict(host.vars)
    for vars_dir in inventory.vars_dirs:
        found = vars_dir.host(host.name)
        if found:
            values.update(found.values)
    return values


def magic_vars(inventory: Inventory, host: Host) -> dict[str, Any]:
    """The variables Ansible derives from the inventory: ``inventory_hostname``, ``groups``..."""
    name = host.name
    short = name if is_ip(name) else name.split(".")[0]
    source = host.source
    return {
        "inventory_hostname": name,
        "inventory_hostname_short": short,
        "group_names": [] if host.implicit else inventory.group_names(host),
        "groups": inventory.group_members(),
        "inventory_file": source,
        "inventory_dir": None if source is None else os.path.dirname(source),
    }
