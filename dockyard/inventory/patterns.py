"""Host patterns, as ``hosts:`` in a play and ``--limit`` take them.

A pattern is a list of parts separated by ``,`` (or ``:`` when no part needs one)::

    all   *   web*   web:db   web,db   web:&staging   web:!web03   ~web0[12]
    web[0]   web[1:3]   web[-1]   web[2:]   @site.retry

Each part is a host name, a group name, a shell glob or (after ``~``) a regular
expression matched from the start of the name. Parts are applied in Ansible's order,
whatever order they are written in: first the plain parts, unioned in order; then the
``&`` parts, each intersected; then the ``!`` parts, each removed. A pattern of only
``&``/``!`` parts starts from ``all``.

A part matches groups first: every host of every group whose name matches, in the
order the groups were declared; it matches host names too when it matched no group,
or when it is a glob or regex. ``[i]``, ``[i:j]`` (both included) and ``[i:]`` pick
from the hosts a non-regex part matched. ``@file`` reads one pattern per line from a
file (a ``.retry`` file, for instance). ``localhost`` matches the implicit local host
when the inventory has none.

Nothing matching is not an error here: :func:`resolve` returns the hosts and the
parts that matched nothing; the caller decides.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dockyard.errors import InventoryError
from dockyard.inventory.ranges import split_port

if TYPE_CHECKING:
    from dockyard.inventory.model import Host, Inventory

__all__ = ["Selection", "order_parts", "resolve", "split_pattern"]

_SUBSCRIPT = re.compile(r"^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$")
_COLON_PARTS = re.compile(r"(?:[^\s:\[\]]|\[[^\]]*\])+")
_GLOB_CHARS = (".", "?", "*", "[")


@dataclass(frozen=True)
class Selection:
    """The hosts a pattern selects, and the parts of the pattern that matched nothing."""

    hosts: tuple[Host, ...]
    unmatched: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [host.name for host in self.hosts]


def split_pattern(pattern: str) -> list[str]:
    """Split on ``,``; else on ``:`` unless the whole is one address (``fe80::1``, ``h:22``)."""
    if "," in pattern:
        parts = pattern.split(",")
    else:
        try:
            split_port(pattern.strip())
            parts = [pattern]
        except ValueError:
            parts = _COLON_PARTS.findall(pattern)
    return [part.strip() for part in parts if part.strip()]


def order_parts(parts: list[str]) -> list[str]:
    """Plain parts first, then ``&`` parts, then ``!`` parts; ``all`` when none is plain."""
    plain = [p for p in parts if p[0] not in "&!"]
    both = [p for p in parts if p[0] == "&"]
    minus = [p for p in parts if p[0] == "!"]
    return (plain or ["all"]) + both + minus


def resolve(inventory: Inventory, pattern: str) -> Selection:
    """Evaluate ``pattern`` against ``inventory`` (see the module docs for the rules)."""
    parts = order_parts(_read_files(split_pattern(pattern)))
    hosts: list[Host] = []
    unmatched: list[str] = []
    for part in parts:
        if part in inventory.hosts:
            hosts.append(inventory.hosts[part])
            continue
        found = _match_part(inventory, part.lstrip("&!"))
        if not found and part != "all":
            unmatched.append(part)
        if part[0] == "!":
            hosts = [h for h in hosts if all(h is not f for f in found)]
        elif part[0] == "&":
            hosts = [h for h in hosts if any(h is f for f in found)]
        else:
            hosts.extend(found)
    return Selection(_unique(hosts), tuple(unmatched))


def _unique(hosts: list[Host]) -> tuple[Host, ...]:
    seen: set[str] = set()
    result: list[Host] = []
    for host in hosts:
        if host.name not in seen:
            seen.add(host.name)
            result.append(host)
    return tuple(result)


def _read_files(parts: list[str]) -> list[str]:
    expanded: list[str] = []
    for part in parts:
        if not part.startswith("@"):
            expanded.append(part)
            continue
        path = Path(part[1:])
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InventoryError(
                f"cannot read the host list file {str(path)!r}: {getattr(exc, 'strerror', exc)}",
                hint="'@FILE' takes a file with one host or pattern per line, e.g. a .retry file",
            ) from None
        expanded.extend(line.strip() for line in lines if line.strip())
    return expanded


def _match_part(inventory: Inventory, part: str) -> list[Host]:
    expression, subscript = _split_subscript(part)
    hosts = _enumerate(inventory, expression)
    if not hosts or subscript is None:
        return hosts
    start, end = subscript
    if end is None:
        if not -len(hosts) <= start < len(hosts):
            raise InventoryError(
                f"{part!r} picks host {start}, but {expression!r} matches only {len(hosts)}",
                hint=f"indexes start at 0; use {expression}[0] to {expression}[{len(hosts) - 1}]",
            )
        return [hosts[start]]
    stop = len(hosts) - 1 if end == -1 else end
    return hosts[start : stop + 1]


def _split_subscript(part: str) -> tuple[str, tuple[int, int | None] | None]:
    if part.startswith("~"):
        return part, None
    match = _SUBSCRIPT.match(part)
    if not match:
        return part, None
    expression, index, start, _, end = match.groups()
    if index:
        return expression, (int(index), None)
    return expression, (int(start), int(end) if end else -1)


def _compile(part: str) -> re.Pattern[str]:
    try:
        return re.compile(part[1:] if part.startswith("~") else fnmatch.translate(part))
    except re.error as exc:
        raise InventoryError(f"invalid host pattern {part!r}: {exc}",
                             hint="after '~' comes a Python regular expression") from None


def _enumerate(inventory: Inventory, part: str) -> list[Host]:
    regex = _compile(part)
    hosts: list[Host] = []
    # list(...) copies at once: another host's add_host/group_by may add to them meanwhile.
    groups = [group for name, group in list(inventory.groups.items()) if regex.match(name)]
    for group in groups:
        hosts.extend(group.all_hosts())
    if not groups or part.startswith("~") or any(c in part for c in _GLOB_CHARS):
        hosts.extend(host for name, host in list(inventory.hosts.items()) if regex.match(name))
    if not hosts:  # 'localhost': the declared 127.0.0.1/::1, else the implicit one
        local = inventory.get_host(part)
        if local is not None:
            hosts.append(local)
    return hosts
