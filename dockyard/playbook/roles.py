"""Roles: where they are found, what they are made of, and in which order they run.

A role is a directory; every part is optional::

    roles/web/
      tasks/main.yml        the tasks (``tasks_from: other`` reads tasks/other.yml)
      handlers/main.yml     handlers, added to the play's handlers
      defaults/main.yml     lowest-precedence variables (or a directory defaults/main/)
      vars/main.yml         role variables (or a directory vars/main/)
      meta/main.yml         ``dependencies:`` (roles run first) and ``allow_duplicates:``
      files/ templates/     found by ``copy``/``template`` through the tasks' search paths

``main`` may be ``main.yml``, ``main.yaml``, ``main.json`` or ``main``. A role name is
looked up in order (:func:`role_search_paths`): ``roles/`` next to the playbook,
``$DOCKYARD_ROLES_PATH`` then ``$ANSIBLE_ROLES_PATH`` (colon-separated), the roles that
ship with dockyard, then the playbook's own directory. A name with a ``/`` is a path.
``dockyard.NAME`` names a built-in role only (``dockyard.swarm``), whatever else is found
on the path.

As in Ansible, the ``roles:`` of a play run each role once: a role listed twice, or
reached twice as a dependency, runs again only when its parameters, conditions, tags or
``*_from`` files differ, or when its ``meta/main.yml`` says ``allow_duplicates: true``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import dockyard
from dockyard.errors import DockyardError, PlaybookError
from dockyard.modules.args import is_template
from dockyard.playbook.keywords import ROLE_ENTRY_KEYWORDS, check_bool, check_vars
from dockyard.playbook.model import Inherited, Node, Role, RoleRef
from dockyard.source import MarkedDict, Span, span_of

__all__ = [
    "BUILTIN_ROLES",
    "RoleEntry",
    "RoleReader",
    "find_role",
    "main_file",
    "role_entry",
    "role_search_paths",
    "run_order",
]

BUILTIN_ROLES = Path(dockyard.__file__).parent / "playbooks" / "roles"
MAIN_SUFFIXES = (".yml", ".yaml", ".json", "")


def role_search_paths(playbook_dir: Path) -> tuple[Path, ...]:
    """Where role names are looked up, in order, for a playbook in ``playbook_dir``."""
    paths = [playbook_dir / "roles"]
    for variable in ("DOCKYARD_ROLES_PATH", "ANSIBLE_ROLES_PATH"):
        paths += [Path(part).expanduser() for part in os.environ.get(variable, "").split(":") if part]
    paths += [BUILTIN_ROLES, playbook_dir]
    return tuple(dict.fromkeys(paths))


def find_role(name: str, search: Sequence[Path]) -> Path | None:
    """The directory of role ``name``: the first ``ROOT/name`` that is a directory.

    ``dockyard.NAME`` is the built-in role NAME, looked up in :data:`BUILTIN_ROLES` only.
    """
    if name.startswith("dockyard.") and "/" not in name:
        search = (BUILTIN_ROLES,)
        name = name.removeprefix("dockyard.")
    for root in search:
        candidate = (root / name).expanduser()
        if candidate.is_dir():
            return candidate.resolve()
    return None


def main_file(directory: Path, main: str = "main") -> Path | None:
    """``directory/main.yml`` (or .yaml, .json, no suffix), or None."""
    for suffix in MAIN_SUFFIXES:
        candidate = directory / f"{main}{suffix}"
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True)
class RoleEntry:
    """One item of ``roles:``, of ``dependencies:``, or of an ``import_role``.

    ``keywords`` are the entry's play keywords (``when``, ``tags``, ``become``, ...);
    ``params`` every other key plus the entry's ``vars:``; ``from_files`` the
    ``tasks_from``/``vars_from``/``defaults_from``/``handlers_from`` choices.
    """

    name: str
    span: Span | None
    params: Mapping[str, Any] = field(default_factory=dict)
    keywords: MarkedDict = field(default_factory=MarkedDict)
    from_files: Mapping[str, str] = field(default_factory=dict)


def role_entry(raw: Any, span: Span | None) -> RoleEntry:
    """Read one ``roles:`` item: ``web``, or ``{role: web, port: 80, when: ..., vars: ...}``."""
    if isinstance(raw, str):
        return RoleEntry(_role_name(raw, span_of(raw) or span), span_of(raw) or span)
    if not isinstance(raw, MarkedDict):
        raise PlaybookError("a role must be a name or a mapping with 'role:'", span=span,
                            hint="write '- web' or '- role: web'")
    key = "role" if "role" in raw else "name"
    if key not in raw:
        raise PlaybookError("this role entry has no 'role:'", span=raw.span or span,
                            hint="name the role: '- role: web'")
    keywords = MarkedDict()
    keywords.span = raw.span
    params: dict[str, Any] = {}
    for item, value in raw.items():
        if item in ROLE_ENTRY_KEYWORDS - {"role", "name", "vars"}:
            keywords[item] = value
            keywords.key_spans.update((k, v) for k, v in raw.key_spans.items() if k == item)
            keywords.value_spans.update((k, v) for k, v in raw.value_spans.items() if k == item)
        elif item not in ("role", "name", "vars"):
            params[item] = value
    params.update(check_vars("vars", raw.get("vars"), raw.value_span("vars")))
    name = _role_name(raw[key], raw.value_span(key))
    return RoleEntry(name, raw.key_span(key), params, keywords)


def _role_name(value: Any, span: Span | None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PlaybookError("a role name must be a non-empty string", span=span)
    if is_template(value):
        raise PlaybookError("a role in 'roles:' cannot be named by a template", span=span,
                            hint="use 'include_role' in tasks to choose a role at run time")
    return value.strip()


class TaskFiles(Protocol):
    """What a role reader needs from the playbook loader (see ``load._Loader``)."""

    def report(self, error: DockyardError) -> None: ...

    def with_keywords(self, context: Inherited, data: Mapping[str, Any]) -> Inherited: ...

    def task_file(self, path: Path, context: Inherited, *, handlers: bool = False) -> tuple[Node, ...]: ...

    def data_file(self, path: Path, span: Span | None) -> Any: ...


class RoleReader:
    """Reads roles (and, recursively, their dependencies) through a playbook loader."""

    def __init__(self, files: TaskFiles, search: Sequence[Path]) -> None:
        self.files = files
        self.search = tuple(search)

    def read(self, entry: RoleEntry, context: Inherited, chain: tuple[Path, ...] = ()) -> Role | None:
        """The role of ``entry`` with its dependencies; None (and errors reported) if unreadable."""
        path = find_role(entry.name, self.search)
        if path is None:
            looked = ", ".join(str(root) for root in self.search)
            self.files.report(PlaybookError(f"role '{entry.name}' not found", span=entry.span,
                                            hint=f"looked in: {looked}"))
            return None
        if path in chain:
            names = " -> ".join(p.name for p in (*chain, path))
            self.files.report(PlaybookError(f"role dependency loop: {names}", span=entry.span,
                                            hint="a role cannot depend on itself, directly or not"))
            return None
        choice = dict(entry.from_files)
        ref = RoleRef(entry.name, path, defaults=self._vars(path, "defaults", choice, entry.span),
                      vars=self._vars(path, "vars", choice, entry.span), params=entry.params,
                      span=entry.span)
        role_context = replace(self.files.with_keywords(context, entry.keywords), role=ref)
        dependencies, allow_duplicates = self._meta(path, role_context, (*chain, path))
        return Role(
            ref=ref,
            tasks=self._part(path, "tasks", choice, role_context, entry.span),
            handlers=self._part(path, "handlers", choice, role_context, entry.span),
            dependencies=dependencies,
            allow_duplicates=allow_duplicates,
            key=_identity(path, entry),
        )

    def _vars(self, path: Path, part: str, choice: Mapping[str, str], span: Span | None) -> MarkedDict:
        main = choice.get(part, "main")
        directory = path / part / main
        files = sorted(p for p in directory.rglob("*") if p.is_file() and not p.name.startswith(".")
                       ) if directory.is_dir() else [main_file(path / part, main)]
        merged = MarkedDict()
        for file in files:
            if file is None:
                if part in choice:
                    self._missing(path / part, main, span)
                continue
            data = self.files.data_file(file, span)
            try:
                merged.update(check_vars(f"{part} file", data, span_of(data) or Span(str(file), 1)))
            except DockyardError as error:
                self.files.report(error)
        return merged

    def _part(self, path: Path, part: str, choice: Mapping[str, str], context: Inherited,
              span: Span | None) -> tuple[Node, ...]:
        main = choice.get(part, "main")
        file = main_file(path / part, main)
        if file is None:
            if part in choice:
                self._missing(path / part, main, span)
            return ()
        return self.files.task_file(file, context, handlers=part == "handlers")

    def _missing(self, directory: Path, main: str, span: Span | None) -> None:
        self.files.report(PlaybookError(f"'{main}' not found in {directory}", span=span,
                                        hint=f"create {directory / main}.yml or fix the name"))

    def _meta(self, path: Path, context: Inherited, chain: tuple[Path, ...]) -> tuple[tuple[Role, ...], bool]:
        file = main_file(path / "meta")
        data = self.files.data_file(file, None) if file else None
        if data is None:
            return (), False
        if not isinstance(data, MarkedDict):
            self.files.report(PlaybookError("meta/main.yml must be a mapping", span=span_of(data)))
            return (), False
        allow = False
        try:
            allow = check_bool("allow_duplicates", data.get("allow_duplicates", False),
                               data.value_span("allow_duplicates")) is True
        except DockyardError as error:
            self.files.report(error)
        raw = data.get("dependencies") or []
        if not isinstance(raw, list):
            self.files.report(PlaybookError("'dependencies' must be a list of roles",
                                            span=data.value_span("dependencies")))
            return (), allow
        roles = []
        for index, item in enumerate(raw):
            try:
                entry = role_entry(item, raw.item_span(index) if hasattr(raw, "item_span") else None)
            except DockyardError as error:
                self.files.report(error)
                continue
            role = self.read(entry, context, chain)
            if role is not None:
                roles.append(role)
        return tuple(roles), allow


def _identity(path: Path, entry: RoleEntry) -> str:
    """What makes two uses of a role the same (Ansible's role hash, minus the name)."""
    return json.dumps(_canonical([str(path), entry.params, entry.keywords, entry.from_files]))


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return sorted(([str(k), _canonical(v)] for k, v in value.items()), key=lambda kv: kv[0])
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value if isinstance(value, int | float | bool | None) else str(value)


def run_order(roles: Iterable[Role], seen: set[str] | None = None) -> list[Role]:
    """Roles in the order they run: each one's dependencies first, duplicates dropped."""
    seen = set() if seen is None else seen
    order: list[Role] = []
    for role in roles:
        order += run_order(role.dependencies, seen)
        if role.key in seen and not role.allow_duplicates:
            continue
        seen.add(role.key)
        order.append(role)
    return order
