"""add_host and group_by: change the run's in-memory inventory for the plays that follow.

    - add_host:
        name: "{{ vm_address }}"     # aliases: host, hostname
        groups: [swarm_workers]      # aliases: group, groupname
        ansible_user: debian         # any other key becomes a host variable
    - group_by:
        key: "os_{{ ansible_distribution | lower }}"
        parents: [linux]

Both run once per host that reaches them; the engine applies the result to the inventory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import ControllerModule, ModuleContext
from dockyard.modules.registry import register

__all__ = ["AddHostModule", "GroupByModule"]

_NAME_KEYS = ("name", "host", "hostname")
_GROUP_KEYS = ("groups", "group", "groupname")


@dataclass(frozen=True)
class AddHostArgs:
    values: Mapping[str, Any]


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(item) for item in value]


@register
class AddHostModule(ControllerModule):
    name = "add_host"
    Args = AddHostArgs
    any_args = True

    def execute(self, args: AddHostArgs, ctx: ModuleContext) -> dict[str, Any]:
        values = dict(args.values)
        names = [values.pop(key) for key in _NAME_KEYS if key in values]
        if len(names) != 1 or not str(names[0]).strip():
            raise ModuleError("add_host needs exactly one of name / host / hostname", host=ctx.host)
        groups: list[str] = []
        for key in _GROUP_KEYS:
            groups += _as_list(values.pop(key, None))
        name, _, port = str(names[0]).partition(":")
        if port.isdigit():
            values.setdefault("ansible_port", int(port))
        return {"changed": False,
                "add_host": {"host_name": name, "groups": groups, "host_vars": values}}


@dataclass(frozen=True)
class GroupByArgs:
    key: str = arg(required=True, doc="name of the group to put this host in")
    parents: list[str] = arg(["all"], doc="groups the new group becomes a child of")


@register
class GroupByModule(ControllerModule):
    name = "group_by"
    Args = GroupByArgs

    def execute(self, args: GroupByArgs, ctx: ModuleContext) -> dict[str, Any]:
        key = args.key.replace(" ", "-")
        return {"changed": False, "add_group": key, "parent_groups": list(args.parents)}
