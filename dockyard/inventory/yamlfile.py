"""YAML (and JSON) inventories, read the way ansible-core's ``yaml`` plugin reads them::

    all:
      vars:
        ntp_server: ntp.example.com
      children:
        web:
          hosts:
            web[01:03].example.com:
              http_port: 8080          # values keep their YAML types
            web04.example.com:
        db:
          hosts: db01                   # a single host may be written as a string
          children:
            db_replicas:
              hosts:
                db-[a:c]:2222:

Top-level keys are groups; each group may have ``hosts``, ``children`` (groups,
created where they are named) and ``vars``, in any order, each a mapping (or empty).
Stricter than Ansible, which only warns: an unknown key in a group, or a group
written as something other than a mapping, is an error here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dockyard.errors import Diagnostics, DockyardError, InventoryError
from dockyard.inventory.hosts import add_host_entry
from dockyard.inventory.model import Group, Inventory, Origin
from dockyard.source import MarkedDict, Span, did_you_mean, span_of

__all__ = ["looks_like_yaml_inventory", "parse_yaml_inventory"]

_SECTIONS = ("hosts", "children", "vars")


def looks_like_yaml_inventory(data: Any) -> bool:
    """True when ``data`` is a mapping of group names to group definitions (or nothing)."""
    return isinstance(data, Mapping) and all(
        isinstance(value, Mapping | None) for value in data.values()
    )


class _YamlReader:
    def __init__(self, inventory: Inventory, diagnostics: Diagnostics, file: str) -> None:
        self.inventory = inventory
        self.diagnostics = diagnostics
        self.file = file

    def span(self, mapping: Any, key: Any, *, value: bool = False) -> Span:
        if isinstance(mapping, MarkedDict):
            found = mapping.value_span(key) if value else mapping.key_span(key)
            if found is not None:
                return found
        return span_of(mapping) or Span(self.file, 1)

    def report(self, message: str, span: Span, hint: str) -> None:
        self.diagnostics.add(InventoryError(message, span=span, hint=hint))

    def group(self, name: Any, data: Any, span: Span) -> Group | None:
        if not isinstance(name, str) or not name:
            self.report(f"group name {name!r} is not a string", span,
                        "group names are words like 'web'; quote numbers")
            return None
        group = self.inventory.ensure_group(name, span)
        if data is None:
            return group
        if not isinstance(data, Mapping):
            self.report(f"group {name!r} must be a mapping with hosts, children or vars", span,
                        f"write '{name}:' then indented 'hosts:', 'children:' or 'vars:'")
            return group
        for key, value in data.items():
            self.section(group, key, value, data)
        return group

    def section(self, group: Group, key: Any, value: Any, data: Any) -> None:
        span = self.span(data, key)
        if key not in _SECTIONS:
            close = did_you_mean(str(key), _SECTIONS)
            self.report(f"unknown key {key!r} in group {group.name!r}", span,
                        close or "a group has only 'hosts', 'children' and 'vars'")
            return
        if isinstance(value, str):
            value = {value: None}
        if value is None:
            return
        if not isinstance(value, Mapping):
            self.report(f"'{key}' of group {group.name!r} must be a mapping", span,
                        f"write each of the {key} on its own line as 'name:'")
            return
        {"hosts": self.hosts, "children": self.children, "vars": self.vars}[key](group, value)

    def vars(self, group: Group, values: Mapping[Any, Any]) -> None:
        for key, value in values.items():
            span = self.span(values, key)
            if not isinstance(key, str):
                self.report(f"variable name {key!r} is not a string", span, "quote it")
                continue
            try:
                group.set_var(key, value, Origin(span, f"vars of group {group.name}"))
            except (TypeError, ValueError):
                self.report(f"ansible_group_priority must be a whole number, not {value!r}",
                            self.span(values, key, value=True), "e.g. ansible_group_priority: 10")

    def children(self, group: Group, children: Mapping[Any, Any]) -> None:
        for name, data in children.items():
            span = self.span(children, name)
            child = self.group(name, data, span)
            if child is None:
                continue
            try:
                self.inventory.link_groups(group, child)
            except InventoryError as problem:
                problem.span = span
                self.diagnostics.add(problem)

    def hosts(self, group: Group, hosts: Mapping[Any, Any]) -> None:
        for entry, values in hosts.items():
            span = self.span(hosts, entry)
            if not isinstance(entry, str):
                self.report(f"host {entry!r} must be a string", span,
                            "enclose numbers (and IP-like keys) in quotes")
                continue
            if values is not None and not isinstance(values, Mapping):
                self.report(f"the variables of host {entry!r} must be a mapping", span,
                            "write them as indented 'name: value' lines under the host")
                continue
            try:
                found = add_host_entry(self.inventory, entry, span, group.name)
            except DockyardError as problem:
                self.diagnostics.add(problem)
                continue
            for key, value in (values or {}).items():
                origin = Origin(self.span(values, key), f"host {entry}")
                for host in found:
                    host.set_var(str(key), value, origin)


def parse_yaml_inventory(inventory: Inventory, data: Mapping[Any, Any], file: str,
                         diagnostics: Diagnostics) -> None:
    """Add the groups, hosts and variables of a loaded YAML inventory document."""
    reader = _YamlReader(inventory, diagnostics, file)
    for name, group_data in data.items():
        reader.group(name, group_data, reader.span(data, name))
