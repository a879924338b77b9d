"""INI inventories, read the way ansible-core's ``ini`` plugin reads them::

    web01 ansible_host=10.0.0.5          # before any section: the host is 'ungrouped'
    [web]
    web[01:03].example.com http_port=8080 tags="['a', 'b']"
    [db]
    db-[a:c]:2222
    [prod:children]
    web
    db
    [prod:vars]
    ntp_server=ntp.example.com

Host lines are split like a shell would (quotes group, ``#`` starts a comment); each
``name=value`` after the host is a variable. Values in host lines and ``:vars`` lines
are read as Python literals when they are one (``8080`` is an int, ``True`` a bool,
``[1, 2]`` a list, ``'5'`` the string 5) and as strings otherwise; a ``:vars`` line
holds exactly one ``name=value`` and its value is everything after the first ``=``.

A group is *defined* by a ``[group]`` or ``[group:children]`` section (an empty one
is enough) or by an earlier source. Naming an undefined group in ``[x:children]``, or
giving ``[x:vars]`` to one, is an error, as it is in ansible-core 2.19.
"""

from __future__ import annotations

import ast
import re
import shlex
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockyard.errors import Diagnostics, DockyardError, InventoryError
from dockyard.inventory.hosts import add_host_entry
from dockyard.inventory.model import Inventory, Origin
from dockyard.source import Span, did_you_mean

__all__ = ["parse_ini", "parse_ini_value"]

_SECTION = re.compile(r"^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$")
_GROUP_NAME = re.compile(r"^([^:\]\s]+)\s*(?:#.*)?$")
_KINDS = ("hosts", "children", "vars")


def parse_ini_value(text: str) -> Any:
    """A Python literal when ``text`` is one (ints, floats, bools, None, lists, dicts...),
    else ``text`` itself; tuples and sets become lists, other oddities strings."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
    return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if value is Ellipsis:
        return "..."
    if isinstance(value, complex):
        return str(value)
    return value


@dataclass
class _Pending:
    """A group named before it was defined: where, and in which role."""

    line: int
    role: str  # "children" or "vars"
    parents: list[str] = field(default_factory=list)


@dataclass
class _IniReader:
    inventory: Inventory
    diagnostics: Diagnostics
    file: str
    group: str = "ungrouped"
    kind: str = "hosts"
    pending: dict[str, _Pending] = field(default_factory=dict)

    def error(self, message: str, line: int, col: int, hint: str) -> None:
        self.diagnostics.add(InventoryError(message, span=Span(self.file, line, col), hint=hint))

    def read(self, lines: list[str]) -> None:
        for number, raw in enumerate(lines, start=1):
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            col = len(raw) - len(raw.lstrip()) + 1
            if line == "---":
                self.error("'---' starts a YAML document; this file is read as INI", number, col,
                           "a YAML inventory needs a .yml or .yaml file name")
                return
            try:
                self._line(line, raw, number, col)
            except DockyardError as problem:
                if problem.span is None:
                    problem.span = Span(self.file, number, col)
                self.diagnostics.add(problem)
        self._report_pending()

    def _line(self, line: str, raw: str, number: int, col: int) -> None:
        match = _SECTION.match(line)
        if match:
            self._section(match.group(1), match.group(2), line, number, col)
        elif line.startswith("[") and line.endswith("]"):
            self.kind = "skip"
            self.error(f"bad section header {line}", number, col,
                       "a header is [group], [group:children] or [group:vars]; "
                       "group names have no spaces, ':' or ']'")
        elif self.kind == "hosts":
            self._host_line(line, raw, number, col)
        elif self.kind == "vars":
            self._var_line(line, number, col)
        elif self.kind == "children":
            self._child_line(line, number, col)

    def _section(self, name: str, kind: str | None, line: str, number: int, col: int) -> None:
        kind = kind or "hosts"
        if kind not in _KINDS:
            self.kind = "skip"
            close = did_you_mean(kind, _KINDS)
            self.error(f"unknown section type {kind!r} in {line}", number, col + len(name) + 2,
                       close or "a header is [group], [group:children] or [group:vars]")
            return
        self.group, self.kind = name, kind
        if name not in self.inventory.groups:
            if kind == "vars" and name not in self.pending:
                self.pending[name] = _Pending(number, "vars")
            self.inventory.ensure_group(name, Span(self.file, number, col))
        waiting = self.pending.get(name)
        if waiting is not None and kind != "vars":
            self._resolve(name)

    def _resolve(self, name: str) -> None:
        waiting = self.pending.pop(name)
        for parent in waiting.parents:
            self._link(parent, name, waiting.line)
            upper = self.pending.get(parent)
            if upper is not None and upper.role == "children":
                self._resolve(parent)

    def _link(self, parent: str, child: str, line: int) -> None:
        try:
            self.inventory.link_groups(self.inventory.groups[parent], self.inventory.groups[child])
        except InventoryError as problem:
            problem.span = Span(self.file, line, 1)
            self.diagnostics.add(problem)

    def _child_line(self, line: str, number: int, col: int) -> None:
        match = _GROUP_NAME.match(line)
        if not match:
            self.error(f"expected a group name in [{self.group}:children], got {line!r}", number,
                       col, "list one group name per line; hosts go in a [group] section")
            return
        child = match.group(1)
        if child in self.inventory.groups:
            self._link(self.group, child, number)
        elif child in self.pending:
            self.pending[child].parents.append(self.group)
        else:
            self.pending[child] = _Pending(number, "children", [self.group])

    def _var_line(self, line: str, number: int, col: int) -> None:
        if "=" not in line:
            self.error(f"expected name=value in [{self.group}:vars], got {line!r}", number, col,
                       "each line of a :vars section sets one variable: name=value")
            return
        key, value = (part.strip() for part in line.split("=", 1))
        if not key:
            self.error("variable name missing before '='", number, col, "write name=value")
            return
        origin = Origin(Span(self.file, number, col), f"[{self.group}:vars]")
        try:
            self.inventory.groups[self.group].set_var(key, parse_ini_value(value), origin)
        except (TypeError, ValueError):
            self.error(f"ansible_group_priority must be a whole number, not {value!r}",
                       number, col, "e.g. ansible_group_priority=10 (higher wins)")

    def _host_line(self, line: str, raw: str, number: int, col: int) -> None:
        try:
            tokens = shlex.split(line, comments=True)
        except ValueError as exc:
            self.error(f"cannot split host line: {exc}", number, col,
                       "close the quote, or escape it with a backslash")
            return
        if not tokens:
            return
        variables: dict[str, tuple[Any, Origin]] = {}
        for token in tokens[1:]:
            token_col = _column(raw, token.split("=", 1)[0], col)
            if "=" not in token or token.startswith("="):
                self.error(f"expected name=value after the host, got {token!r}", number,
                           token_col, "host variables are name=value, without spaces around "
                           "'='; quote values that contain spaces")
                return
            key, value = token.split("=", 1)
            origin = Origin(Span(self.file, number, token_col), f"host line in [{self.group}]")
            variables[key] = (parse_ini_value(value), origin)
        self._add_hosts(tokens[0], variables, number, col)

    def _add_hosts(self, entry: str, variables: dict[str, tuple[Any, Origin]],
                   number: int, col: int) -> None:
        span = Span(self.file, number, col)
        hosts = add_host_entry(self.inventory, entry, span, self.group, ini=True)
        for host in hosts:
            for key, (value, origin) in variables.items():
                host.set_var(key, value, origin)

    def _report_pending(self) -> None:
        for name, waiting in self.pending.items():
            close = did_you_mean(name, [g for g in self.inventory.groups if g not in self.pending])
            define = f"add a [{name}] section (it may be empty)"
            if waiting.role == "vars":
                message = f"[{name}:vars] sets variables of group {name!r}, which is never defined"
            else:
                message = (f"[{waiting.parents[-1]}:children] names group {name!r}, "
                           "which is never defined")
            self.error(message, waiting.line, 1, f"{close} or {define}" if close else define)


def _column(raw: str, text: str, default: int) -> int:
    index = raw.find(text) if text else -1
    return index + 1 if index >= 0 else default


def parse_ini(inventory: Inventory, path: Path, text: str, diagnostics: Diagnostics) -> None:
    """Add the hosts, groups and variables of INI ``text`` (read from ``path``)."""
    _IniReader(inventory, diagnostics, str(path)).read(text.splitlines())
