"""Hosts, groups and the inventory that holds them: the same graph Ansible builds.

Every inventory starts with two groups, ``all`` and its child ``ungrouped``. Loading
adds hosts and groups in the order the sources mention them; :meth:`Inventory.reconcile`
then applies Ansible's rules:

* a group that has no parent becomes a child of ``all``;
* a host that is in no group but ``all`` goes to ``ungrouped``, and leaves it as
  soon as it belongs to any other group;
* each group's ``depth`` is the length of the longest path from ``all`` to it. Group
  variables are merged by (depth, ``ansible_group_priority``, name), so a child group
  beats its parent.

Hosts and groups are mutable entities (modules such as ``add_host`` and ``group_by``
change the inventory during a run); what they carry is plain data. Each variable keeps
an :class:`Origin`, so ``dockyard vars HOST`` can say where a value was written.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dockyard.errors import InventoryError
from dockyard.source import Span

if TYPE_CHECKING:
    from dockyard.inventory.patterns import Selection
    from dockyard.inventory.vars import Sourced
    from dockyard.inventory.varsfiles import VarsDir

__all__ = ["LOCALHOST_NAMES", "Group", "Host", "Inventory", "Origin"]

LOCALHOST_NAMES = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a variable's value was written: a span and what kind of place it is.

    ``str(origin)`` reads ``inventory.ini:12 [web:vars]`` or
    ``inventory/group_vars/web.yml:3``.
    """

    span: Span | None
    what: str = ""

    def __str__(self) -> str:
        where = f"{self.span.file}:{self.span.line}" if self.span else ""
        return " ".join(part for part in (where, self.what) if part) or "unknown"


@dataclass(eq=False)
class Host:
    """One inventory host: its own variables and the groups it was put in directly."""

    name: str
    span: Span | None = None
    vars: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    source: str | None = None
    implicit: bool = False

    def set_var(self, key: str, value: Any, origin: Origin) -> None:
        self.vars[key] = value
        self.origins[key] = origin

    def __repr__(self) -> str:
        return f"Host({self.name!r})"


@dataclass(eq=False)
class Group:
    """A named set of hosts and child groups, with variables for all of them."""

    name: str
    span: Span | None = None
    hosts: list[Host] = field(default_factory=list)
    children: list[Group] = field(default_factory=list)
    parents: list[Group] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)
    priority: int = 1
    depth: int = 0

    def set_var(self, key: str, value: Any, origin: Origin) -> None:
        """Set a variable; ``ansible_group_priority`` sets :attr:`priority` instead."""
        if key == "ansible_group_priority":
            self.priority = int(value)
            return
        self.vars[key] = value
        self.origins[key] = origin

    def ancestors(self) -> list[Group]:
        """Every group above this one, nearest first, each once."""
        return _walk(self, "parents")

    def descendants(self) -> list[Group]:
        """Every group below this one, breadth first (children in their order), each once."""
        return _walk(self, "children")

    def all_hosts(self) -> list[Host]:
        """Hosts of this group and of every group below it, in Ansible's order, each once."""
        seen: set[str] = set()
        hosts: list[Host] = []
        for group in [self, *self.descendants()]:
            for host in group.hosts:
                if host.name not in seen and not (host.implicit and self.name == "all"):
                    seen.add(host.name)
                    hosts.append(host)
        return hosts

    def __repr__(self) -> str:
        return f"Group({self.name!r})"


def _walk(start: Group, relation: str) -> list[Group]:
    found: list[Group] = []
    seen: set[int] = {id(start)}
    level = [start]
    while level:
        next_level: list[Group] = []
        for group in level:
            for other in getattr(group, relation):
                if id(other) not in seen:
                    seen.add(id(other))
                    next_level.append(other)
        found.extend(next_level)
        level = next_level
    return found


class Inventory:
    """All hosts and groups, with the variables and patterns Ansible gives them.

    ``hosts`` and ``groups`` keep the order in which sources declared them.
    ``vars_dirs`` are the ``group_vars/`` + ``host_vars/`` places next to each source.
    """

    def __init__(self) -> None:
        self.hosts: dict[str, Host] = {}
        self.groups: dict[str, Group] = {}
        self.sources: list[str] = []
        self.vars_dirs: list[VarsDir] = []
        self.warnings: list[InventoryError] = []
        self.localhost: Host | None = None
        self._members: dict[str, list[str]] | None = None
        # add_host and group_by change the inventory from one host's thread while the others
        # read ``groups``: a change and the building of ``groups`` never overlap.
        self._lock = threading.RLock()
        self.ensure_group("all")
        self.ensure_group("ungrouped")
        self.link_groups(self.groups["all"], self.groups["ungrouped"])

    # building blocks, used by the loaders -------------------------------------------

    def ensure_group(self, name: str, span: Span | None = None) -> Group:
        """The group called ``name``, created (with ``span``) when it does not exist yet."""
        group = self.groups.get(name)
        if group is None:
            group = self.groups[name] = Group(name, span)
            self._members = None
        return group

    def ensure_host(self, name: str, span: Span | None = None, *, port: int | None = None,
                    source: str | None = None) -> Host:
        """The host called ``name``; a new one gets ``ansible_port`` from ``port``."""
        host = self.hosts.get(name)
        if host is None:
            host = self.hosts[name] = Host(name, span, source=source)
            self._members = None
            if port is not None:
                host.set_var("ansible_port", port, Origin(span, "port in host entry"))
            if name in LOCALHOST_NAMES and self.localhost is None:
                self.localhost = host
        return host

    def add_member(self, group: Group, host: Host) -> None:
        """Put ``host`` directly in ``group`` (nothing happens when it already is)."""
        if all(member is not host for member in group.hosts):
            self._members = None
            group.hosts.append(host)
            host.groups.append(group)

    def link_groups(self, parent: Group, child: Group) -> None:
        """Make ``child`` a child of ``parent``; raise InventoryError on a loop."""
        if parent is child:
            raise InventoryError(f"group {child.name!r} cannot be its own child",
                                 hint=f"remove {child.name!r} from its own children")
        if any(group is child for group in parent.children):
            return
        if any(group is child for group in parent.ancestors()):
            raise InventoryError(
                f"making {child.name!r} a child of {parent.name!r} creates a loop",
                hint=f"{child.name!r} is already above {parent.name!r}; remove one of the two links",
            )
        self._members = None
        parent.children.append(child)
        child.parents.append(parent)

    def reconcile(self) -> None:
        """Apply the rules on ``all``, ``ungrouped`` and depths (see the module docs)."""
        self._members = None
        top, ungrouped = self.groups["all"], self.groups["ungrouped"]
        for group in list(self.groups.values()):
            if group is not top and not group.parents:
                self.link_groups(top, group)
        for host in self.hosts.values():
            others = [g for g in host.groups if g is not top and g is not ungrouped]
            if others and ungrouped in host.groups:
                ungrouped.hosts.remove(host)
                host.groups.remove(ungrouped)
            elif not others and not host.implicit:
                self.add_member(ungrouped, host)
        self._set_depths()
        self._warn_name_clashes()

    def _set_depths(self) -> None:
        """Each group's depth below ``all`` (its longest path), worked out first and then set:
        other hosts' threads sort groups by depth while ``group_by`` runs this."""
        depths = {id(group): 0 for group in self.groups.values()}
        level = [self.groups["all"]]
        depth = 0
        while level:
            depth += 1
            next_level: list[Group] = []
            for group in level:
                for child in group.children:
                    if depths[id(child)] < depth:
                        depths[id(child)] = depth
                        next_level.append(child)
            level = next_level
        for group in self.groups.values():
            group.depth = depths[id(group)]

    def _warn_name_clashes(self) -> None:
        for name in self.hosts.keys() & self.groups.keys():
            warning = InventoryError(f"{name!r} is both a host and a group",
                                     span=self.hosts[name].span,
                                     hint="patterns naming it select the group; rename one of them")
            if all(w.message != warning.message for w in self.warnings):
                self.warnings.append(warning)

    # what a run uses -----------------------------------------------------------------

    def get_host(self, name: str) -> Host | None:
        """The host called ``name``; ``localhost`` exists even when no source declares it."""
        host = self.hosts.get(name)
        if host is None and name in LOCALHOST_NAMES:
            host = self._implicit_localhost(name)
        return host

    def _implicit_localhost(self, name: str) -> Host:
        if self.localhost is None:
            self.localhost = Host(name, implicit=True)
            self.localhost.set_var("ansible_connection", "local", Origin(None, "implicit localhost"))
        return self.localhost

    def host(self, name_or_host: str | Host) -> Host:
        """Look a host up by name (a Host is returned as is); unknown names raise."""
        if isinstance(name_or_host, Host):
            return name_or_host
        host = self.get_host(name_or_host)
        if host is None:
            from dockyard.source import did_you_mean

            raise InventoryError(f"no host named {name_or_host!r} in the inventory",
                                 hint=did_you_mean(name_or_host, self.hosts)
                                 or "run 'dockyard inventory --graph' to see the hosts")
        return host

    def groups_of(self, host: str | Host) -> list[Group]:
        """The groups ``host`` is in, directly or through a child group, ``all`` included."""
        found: list[Group] = []
        for group in self.host(host).groups:
            for member in (group, *group.ancestors()):
                if all(member is not known for known in found):
                    found.append(member)
        return found

    def group_members(self) -> dict[str, list[str]]:
        """Ansible's ``groups``: every group's hosts by name (children's included).

        Computed once and kept until the inventory changes (a host or group is added,
        or :meth:`reconcile` runs, as ``add_host`` and ``group_by`` do), because every
        task on every host asks for it. Callers get copies of the lists.
        """
        members = self._members
        if members is None:
            with self._lock:  # not while add_host/group_by change it (a stale copy would stay)
                members = self._members
                if members is None:
                    members = {n: [h.name for h in g.all_hosts()] for n, g in self.groups.items()}
                    self._members = members
        return {name: list(hosts) for name, hosts in members.items()}

    def group_names(self, host: str | Host) -> list[str]:
        """Ansible's ``group_names``: sorted, without ``all``.

        Like Ansible, a host in no group of its own gets ``['ungrouped']``.
        """
        return sorted(g.name for g in self.groups_of(host) if g.name != "all")

    def get_vars(self, host: str | Host) -> dict[str, Any]:
        """The host's merged inventory variables (see :mod:`dockyard.inventory.vars`)."""
        from dockyard.inventory.vars import merged_vars

        return merged_vars(self, self.host(host))

    def var_origins(self, host: str | Host) -> dict[str, Sourced]:
        """Each of the host's variables with its value, origin and the values it hides."""
        from dockyard.inventory.vars import explain_vars

        return explain_vars(self, self.host(host))

    def select(self, pattern: str) -> list[Host]:
        """Hosts matching an Ansible host pattern, in Ansible's order (may be empty)."""
        return list(self.resolve(pattern).hosts)

    def resolve(self, pattern: str) -> Selection:
        """Like :meth:`select`, also telling which parts of the pattern matched nothing."""
        from dockyard.inventory.patterns import resolve

        return resolve(self, pattern)

    # changes during a run (add_host / group_by) ---------------------------------------

    def add_host(self, name: str, groups: Iterable[str] = (),
                 vars: Mapping[str, Any] | None = None) -> Host:
        """Add (or update) a host the way Ansible's ``add_host`` module does."""
        with self._lock:
            return self._add_host(name, groups, vars)

    def _add_host(self, name: str, groups: Iterable[str], vars: Mapping[str, Any] | None) -> Host:
        if name not in self.hosts:
            self.add_member(self.groups["all"], self.ensure_host(name))
        host = self.hosts[name]
        origin = Origin(None, "add_host")
        for key, value in (vars or {}).items():
            host.set_var(key, value, origin)
        for group_name in groups:
            self.add_member(self.ensure_group(group_name), host)
        self.reconcile()
        return host

    def add_group(self, name: str, *, parents: Iterable[str] = (),
                  hosts: Iterable[str] = ()) -> Group:
        """Create a group (if needed) under ``parents`` holding ``hosts`` (``group_by``)."""
        with self._lock:
            return self._add_group(name, parents, hosts)

    def _add_group(self, name: str, parents: Iterable[str], hosts: Iterable[str]) -> Group:
        group = self.ensure_group(name)
        for parent_name in parents:
            self.link_groups(self.ensure_group(parent_name), group)
        for host_name in hosts:
            self.add_member(group, self.host(host_name))
        self.reconcile()
        return group
