"""What ``dockyard inventory`` prints: the output of ``ansible-inventory``, byte for byte.

* :func:`list_json` — ``--list``: every group with its direct ``hosts`` and
  ``children`` (lists in inventory order; empty keys and groups left out), and
  ``_meta.hostvars`` with each host's merged variables (hosts without any are left
  out). JSON keys are sorted and indented by 4, as Ansible prints them. With
  ``export``, hosts carry only their own variables and groups get a ``vars`` key.
  Ansible 2.19 also writes ``"profile": "inventory_legacy"`` into ``_meta``; dockyard
  does not (it names Ansible's JSON decoder, which dockyard does not have).
* :func:`graph` — ``--graph [GROUP]``: the group tree, with ``{name = value}`` lines
  under ``--vars``.
* :func:`host_json` — ``--host NAME``: one host's merged variables.

Variables Ansible computes itself (``inventory_hostname``, ``group_names``,
``groups``, ...) are never printed, even when an inventory sets them.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from dockyard.errors import InventoryError
from dockyard.inventory.model import Group, Host, Inventory
from dockyard.inventory.vars import group_own_vars, host_own_vars, merged_vars
from dockyard.source import did_you_mean

__all__ = ["INTERNAL_VARS", "dump_json", "graph", "host_json", "list_json"]

INTERNAL_VARS = frozenset({
    "ansible_async_path", "ansible_collection_name", "ansible_config_file",
    "ansible_dependent_role_names", "ansible_diff_mode", "ansible_facts", "ansible_forks",
    "ansible_inventory_sources", "ansible_limit", "ansible_play_batch", "ansible_play_hosts",
    "ansible_play_hosts_all", "ansible_play_role_names", "ansible_playbook_python",
    "ansible_role_name", "ansible_role_names", "ansible_run_tags", "ansible_skip_tags",
    "ansible_verbosity", "ansible_version", "inventory_dir", "inventory_file",
    "inventory_hostname", "inventory_hostname_short", "groups", "group_names", "hostvars",
    "playbook_dir", "play_hosts", "role_name", "role_names", "role_path", "role_uuid",
})


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def dump_json(data: Any) -> str:
    """JSON as ``ansible-inventory`` writes it: sorted keys, 4-space indent."""
    return json.dumps(data, sort_keys=True, indent=4, default=_encode)


def _public(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key not in INTERNAL_VARS}


def host_vars_for_output(inventory: Inventory, host: Host, *, export: bool = False) -> dict[str, Any]:
    """A host's variables as printed: merged, or only its own with ``export``."""
    values = host_own_vars(inventory, host) if export else merged_vars(inventory, host)
    return _public(values)


def group_vars_for_output(inventory: Inventory, group: Group) -> dict[str, Any]:
    """A group's own variables (inventory + group_vars/), with its priority when set."""
    values = group_own_vars(inventory, group)
    if group.priority != 1:
        values["ansible_group_priority"] = group.priority
    return _public(values)


def list_json(inventory: Inventory, *, limit: str | None = None, export: bool = False) -> str:
    """The ``--list`` document (see the module docs)."""
    top = inventory.groups["all"]
    hosts = top.all_hosts()
    if limit:
        allowed = {host.name for host in inventory.select(limit)}
        hosts = [host for host in hosts if host.name in allowed]
    available = {host.name for host in hosts}
    result: dict[str, Any] = {}
    _format_group(inventory, top, available, export, result, set())
    hostvars: dict[str, Any] = {}
    for host in hosts:
        values = host_vars_for_output(inventory, host, export=export)
        if values:
            hostvars[host.name] = values
    result["_meta"] = {"hostvars": hostvars}
    return dump_json(result)


def _format_group(inventory: Inventory, group: Group, available: set[str], export: bool,
                  result: dict[str, Any], seen: set[str]) -> None:
    entry: dict[str, Any] = {}
    if group.name != "all":
        entry["hosts"] = [h.name for h in group.hosts if h.name in available]
    entry["children"] = [child.name for child in group.children]
    for child in group.children:
        if child.name not in seen:
            _format_group(inventory, child, available, export, result, seen)
            seen.add(child.name)
    if export:
        entry["vars"] = group_vars_for_output(inventory, group)
    entry = {key: value for key, value in entry.items() if value}
    if entry:
        result[group.name] = entry
    else:
        result.pop(group.name, None)


def graph(inventory: Inventory, group_name: str = "all", *, show_vars: bool = False,
          export: bool = False) -> str:
    """The ``--graph`` tree starting at ``group_name``."""
    group = inventory.groups.get(group_name)
    if group is None:
        raise InventoryError(f"no group named {group_name!r} to draw",
                             hint=did_you_mean(group_name, inventory.groups)
                             or "--graph takes a group name; run --graph alone to see them all")
    return "\n".join(_graph_lines(inventory, group, 0, show_vars, export))


def _line(text: str, depth: int) -> str:
    return f"{'  |' * depth}--{text}" if depth else text


def _var_lines(values: dict[str, Any], depth: int) -> list[str]:
    return [_line(f"{{{name} = {value}}}", depth) for name, value in sorted(values.items())]


def _graph_lines(inventory: Inventory, group: Group, depth: int, show_vars: bool,
                 export: bool) -> list[str]:
    lines = [_line(f"@{group.name}:", depth)]
    for child in group.children:
        lines.extend(_graph_lines(inventory, child, depth + 1, show_vars, export))
    if group.name != "all":
        for host in group.hosts:
            lines.append(_line(host.name, depth + 1))
            if show_vars:
                values = host_vars_for_output(inventory, host, export=export)
                lines.extend(_var_lines(values, depth + 2))
    if show_vars:
        lines.extend(_var_lines(group_vars_for_output(inventory, group), depth + 1))
    return lines


def host_json(inventory: Inventory, pattern: str, *, export: bool = False) -> str:
    """The ``--host`` document: the variables of the one host ``pattern`` selects."""
    hosts = inventory.select(pattern)
    if len(hosts) != 1:
        found = f"{len(hosts)} hosts" if hosts else "no host"
        raise InventoryError(f"--host needs exactly one host, but {pattern!r} matches {found}",
                             hint=did_you_mean(pattern, inventory.hosts)
                             or "give one host name; 'dockyard inventory --graph' lists them")
    return dump_json(host_vars_for_output(inventory, hosts[0], export=export))
