"""Load a playbook into the typed model, and report every problem in it at once.

::

    playbook = load_playbook(Path("site.yml"))        # a Playbook, or DiagnosticsError

The loader reads the playbook and everything it reaches without a host: imported
playbooks and task files, roles with their dependencies, ``vars_files``, and the task
files and roles of ``include_tasks``/``include_role`` whose names are plain text. Each
problem is recorded with its ``file:line:col`` and a hint, loading goes on, and all of
them are raised together at the end, before any connection is opened.

What the engine gets has everything static resolved: ``import_*`` are inlined, the
keywords a task inherits from blocks, roles, imports and the play are written onto the
task (see :class:`~dockyard.playbook.model.Inherited`), role handlers are in the play's
handlers. Dynamic includes stay tasks; at run time the engine calls
:func:`load_task_file` or :func:`load_role` with :func:`include_context` of the task.

Reading order of this file: the public functions, then the ``_Loader`` (playbooks and
plays, task lists, tasks, imports), then the task line's module and arguments.
"""

from __future__ import annotations

import difflib
import linecache
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jinja2

from dockyard.errors import Diagnostics, DiagnosticsError, DockyardError, ModuleError, PlaybookError
from dockyard.modules.args import arg_specs, is_template, validate_module_args
from dockyard.modules.base import Module
from dockyard.modules.registry import FQCN_PREFIXES, find_module, unknown_module_hint
from dockyard.playbook.keywords import (
    BLOCK_KEYWORDS,
    FREE_FORM_MODULES,
    HANDLER_KEYWORDS,
    IGNORED,
    IMPORT_PLAYBOOK_KEYWORDS,
    INHERITED_SCALARS,
    KEYWORD_CHECKS,
    LOOP_KINDS,
    META_ACTIONS,
    PLAY_KEYWORDS,
    SPECIAL_ACTIONS,
    TASK_KEYWORDS,
    UNSUPPORTED,
    check_str,
    check_vars,
    parse_kv,
    split_args,
    unknown_keyword,
)
from dockyard.playbook.model import (
    Block,
    Inherited,
    Node,
    Play,
    Playbook,
    Role,
    RoleRef,
    Task,
    iter_tasks,
)
from dockyard.playbook.roles import (
    RoleEntry,
    RoleReader,
    find_role,
    role_entry,
    role_search_paths,
    run_order,
)
from dockyard.source import (
    MarkedDict,
    MarkedList,
    MarkedStr,
    Span,
    did_you_mean,
    load_yaml_file,
    span_of,
)

__all__ = [
    "find_task_file",
    "handler_names",
    "include_context",
    "load_include",
    "load_playbook",
    "load_role",
    "load_task_file",
]

_FAILED: Any = object()
_INHERITABLE = frozenset({*INHERITED_SCALARS, "when", "tags", "vars", "environment", "notify"})
#: Task keywords that belong to the task itself, never passed on.
_TASK_ONLY = ("name", "register", "listen", "changed_when", "failed_when", "until",
              "retries", "delay", "loop_control")
#: ... and which mean nothing on an ``import_tasks``/``import_role`` line.
_NOT_ON_IMPORTS = tuple(key for key in _TASK_ONLY if key != "name")
_PLAY_SETTINGS = ("name", "gather_facts", "serial", "strategy", "max_fail_percentage",
                  "force_handlers")
_ROLE_ARGS = ("name", "tasks_from", "vars_from", "defaults_from", "handlers_from", "public",
              "allow_duplicates", "rolespec_validate")
Report = Callable[[DockyardError], None]


def find_task_file(name: str, search_paths: Sequence[Path]) -> Path | None:
    """A task file named by ``include_tasks``/``import_tasks``, found the way Ansible does.

    For each search path (the role's directory, the including file's directory, ...,
    the playbook's directory): ``BASE/tasks/NAME``, then ``BASE/NAME``.
    """
    path = Path(name).expanduser()
    if path.is_absolute():
        return path if path.is_file() else None
    for base in search_paths:
        for candidate in (base / "tasks" / path, base / path):
            if candidate.is_file():
                return candidate
    return None


def include_context(task: Task) -> Inherited:
    """What the tasks of a dynamic ``include_tasks``/``include_role`` inherit.

    As in Ansible, the include's own ``when``/``tags``/``become``/... apply to the
    include itself; what it inherited (blocks, role, play), its ``vars`` and the
    keywords of its ``apply:`` argument pass on to the included tasks.
    """
    context = replace(task.context, vars={**task.context.vars, **task.vars})
    apply = task.args.get("apply")
    if isinstance(apply, Mapping):
        loader = _Loader(())
        context = loader.with_keywords(context, apply)
        loader.finish()
    return context


def load_playbook(path: Path, *, extra_vars: Mapping[str, Any] | None = None) -> Playbook:
    """Read ``path`` and all it imports; raise every problem found, together.

    ``extra_vars`` are used only to resolve templated names of static imports.
    """
    loader = _Loader(role_search_paths(path.parent), extra_vars=extra_vars)
    plays = loader.playbook_file(path, None, _Import(), ())
    loader.finish()
    return Playbook(path=path, plays=tuple(plays))


def load_task_file(path: Path, *, inherited: Inherited | None = None, handlers: bool = False,
                   roles_search: Sequence[Path] | None = None) -> tuple[Node, ...]:
    """The nodes of one task file, with ``inherited`` applied (``include_tasks`` at run time).

    Roles named inside are looked up in ``roles_search``, by default the role path of
    the playbook directory, which is the last of ``inherited.search_paths``.
    """
    inherited = inherited or Inherited(search_paths=(path.parent,))
    base = inherited.search_paths[-1] if inherited.search_paths else path.parent
    loader = _Loader(role_search_paths(base) if roles_search is None else roles_search)
    nodes = loader.task_file(path, inherited, handlers=handlers)
    loader.finish()
    return nodes


def load_role(name: str, *, search: Sequence[Path], inherited: Inherited | None = None,
              tasks_from: str = "main", vars_from: str = "main", defaults_from: str = "main",
              handlers_from: str = "main", params: Mapping[str, Any] | None = None,
              span: Span | None = None) -> Role:
    """A role and its dependencies, for ``include_role`` at run time.

    ``search`` is the role path (:func:`~dockyard.playbook.roles.role_search_paths`).
    ``run_order([role])`` gives the roles to run, dependencies first.
    """
    chosen = {"tasks": tasks_from, "vars": vars_from, "defaults": defaults_from,
              "handlers": handlers_from}
    entry = RoleEntry(name, span, dict(params or {}), MarkedDict(),
                      {part: main for part, main in chosen.items() if main != "main"})
    loader = _Loader(search)
    role = RoleReader(loader, search).read(entry, inherited or Inherited())
    loader.finish()
    assert role is not None  # finish() raised the reason otherwise
    return role


def load_include(task: Task, args: Mapping[str, Any]) -> tuple[tuple[Node, ...], tuple[str, ...]]:
    """What a dynamic ``include_tasks``/``include_role`` brings in, for its templated ``args``.

    Returns the nodes and a key naming what was loaded (file or role and its ``*_from``):
    hosts whose includes have the same key run the nodes together, as in Ansible.
    """
    context = include_context(task)
    if task.module == "include_tasks":
        name = str(args.get("file") or args.get("_raw_params") or "")
        path = find_task_file(name, task.search_paths)
        if path is None:
            looked = ", ".join(str(base) for base in task.search_paths)
            raise PlaybookError(f"task file '{name}' not found", span=task.span,
                                hint=f"looked in {looked} (and their tasks/ directories)")
        return load_task_file(path, inherited=context), ("include_tasks", str(path.resolve()))
    if task.module != "include_role":
        raise PlaybookError(f"'{task.action}' is not an include", span=task.span)
    chosen = [str(args.get(f"{part}_from") or "main") for part in ("tasks", "vars", "defaults", "handlers")]
    base = task.context.search_paths[-1] if task.context.search_paths else Path(".")
    role = load_role(str(args.get("name", "")), search=role_search_paths(base), inherited=context,
                     tasks_from=chosen[0], vars_from=chosen[1], defaults_from=chosen[2],
                     handlers_from=chosen[3], span=task.span)
    nodes = tuple(node for one in run_order([role]) for node in one.tasks)
    return nodes, ("include_role", str(role.ref.path), *chosen)


def handler_names(nodes: Sequence[Node]) -> set[str]:
    """Every name a ``notify`` may use for these handlers: names, topics, ``role : name``."""
    names: set[str] = set()
    for handler in iter_tasks(tuple(nodes)):
        for own in (*([handler.name] if handler.name else []), *handler.listen):
            names.add(own)
            if handler.role is not None:
                names.add(f"{handler.role.name} : {own}")
    return names


@dataclass(frozen=True)
class _Import:
    """What ``import_playbook`` lines add to the plays they bring in."""

    vars: Mapping[str, Any] = field(default_factory=dict)
    tags: frozenset[str] = frozenset()
    when: tuple[Any, ...] = ()


@dataclass
class _PlayState:
    """What a play collects while its tasks are read."""

    vars: Mapping[str, Any]
    handlers: list[Node] = field(default_factory=list)
    roles: list[RoleRef] = field(default_factory=list)
    handler_names: set[str] = field(default_factory=set)
    dynamic_handlers: bool = False


class _Loader:
    """One load: its diagnostics, the files being read (to catch loops), the current play."""

    def __init__(self, roles_search: Sequence[Path], *,
                 extra_vars: Mapping[str, Any] | None = None) -> None:
        self.diagnostics = Diagnostics()
        self.roles_search = tuple(roles_search)
        self.extra_vars = dict(extra_vars or {})
        self.stack: list[Path] = []
        self.validated: set[Path] = set()  # include_tasks files already checked
        self.included_roles: dict[tuple[Any, ...], set[str]] = {}  # -> their handler names
        self.play: _PlayState | None = None

    # -- errors, files, keywords ---------------------------------------------------

    def report(self, error: DockyardError) -> None:
        for one in error.errors if isinstance(error, DiagnosticsError) else [error]:
            if not any(one.message == seen.message and one.span == seen.span
                       for seen in self.diagnostics.errors):
                self.diagnostics.add(one)

    def finish(self) -> None:
        self.diagnostics.raise_if_any()

    def data_file(self, path: Path, span: Span | None) -> Any:
        """The parsed YAML of ``path``; None when empty or unreadable (then reported)."""
        try:
            return load_yaml_file(path)
        except DockyardError as error:
            if error.span is None:
                error.span = span
            self.report(error)
            return None

    def checked(self, key: str, data: Mapping[str, Any]) -> Any:
        """Keyword ``key`` of ``data``, checked and converted; _FAILED when wrong (reported)."""
        span = data.value_span(key) if isinstance(data, MarkedDict) else None
        try:
            return KEYWORD_CHECKS[key](key, data[key], span)
        except DockyardError as error:
            self.report(error)
            return _FAILED

    def with_keywords(self, context: Inherited, data: Mapping[str, Any], *,
                      skip: tuple[str, ...] = ()) -> Inherited:
        """``context`` with the inheritable keywords of ``data`` applied on top."""
        when, tags, env = context.when, context.tags, context.environment
        variables, scalars = dict(context.vars), dict(context.scalars)
        for key in data:
            value = self.checked(key, data) if key in _INHERITABLE and key not in skip else _FAILED
            if value is _FAILED:
                continue
            if key == "when":
                when += value
            elif key == "tags":
                tags |= value
            elif key == "vars":
                variables.update(value)
            elif key == "environment":
                env += value
            else:
                scalars[key] = value
        return replace(context, when=when, tags=tags, vars=variables, environment=env,
                       scalars=scalars)

    # -- playbooks and plays -------------------------------------------------------

    def playbook_file(self, path: Path, span: Span | None, outer: _Import,
                      chain: tuple[Path, ...]) -> list[Play]:
        resolved = path.resolve()
        if resolved in chain:
            names = " -> ".join(p.name for p in (*chain, resolved))
            self.report(PlaybookError(f"import_playbook loop: {names}", span=span))
            return []
        before = len(self.diagnostics.errors)
        data = self.data_file(path, span)
        if not isinstance(data, MarkedList) or not data:
            if len(self.diagnostics.errors) == before:
                self.report(PlaybookError("a playbook must be a list of plays",
                                          span=span_of(data) or Span(str(path), 1),
                                          hint="start each play with '- hosts: GROUP'"))
            return []
        plays: list[Play] = []
        for index, entry in enumerate(data):
            if not isinstance(entry, MarkedDict):
                self.report(PlaybookError("a play must be a mapping", span=data.item_span(index),
                                          hint="start the play with '- hosts: GROUP'"))
                continue
            key = next((k for k in entry if _short(str(k)) == "import_playbook"), None)
            if key is not None:
                plays += self.import_playbook(entry, key, path, outer, (*chain, resolved))
            else:
                plays.append(self.play_entry(entry, path, outer))
        return plays

    def import_playbook(self, entry: MarkedDict, key: str, path: Path, outer: _Import,
                        chain: tuple[Path, ...]) -> list[Play]:
        for other in entry:
            if other != key and other not in IMPORT_PLAYBOOK_KEYWORDS:
                self.report(unknown_keyword(str(other), "import_playbook",
                                            IMPORT_PLAYBOOK_KEYWORDS, entry.key_span(other)))
        values = {k: self.checked(k, entry) for k in ("vars", "tags", "when") if k in entry}
        values = {k: v for k, v in values.items() if v is not _FAILED}
        variables = {**values.get("vars", {}), **outer.vars}
        self.play = _PlayState(vars=variables)
        name = self.render_static(entry[key], entry.value_span(key), Inherited(), "import_playbook")
        self.play = None
        if name is None:
            return []
        target = path.parent / name
        if not target.is_file():
            self.report(PlaybookError(f"playbook '{name}' not found", span=entry.value_span(key),
                                      hint=f"the path is relative to {path.parent}/"))
            return []
        inner = _Import(variables, outer.tags | values.get("tags", frozenset()),
                        outer.when + values.get("when", ()))
        return self.playbook_file(target, entry.value_span(key), inner, chain)

    def play_entry(self, data: MarkedDict, path: Path, outer: _Import) -> Play:
        for key in data:
            if key not in PLAY_KEYWORDS and key not in IGNORED:
                error = unknown_keyword(str(key), "play", PLAY_KEYWORDS, data.key_span(key))
                if _resolve(str(key)) is not None:
                    error.hint = "this looks like a task: put tasks in a list under 'tasks:'"
                self.report(error)
        own_vars = self.checked("vars", data) if "vars" in data else {}
        variables = {**({} if own_vars is _FAILED else own_vars), **outer.vars}
        root = self.with_keywords(Inherited(when=outer.when, tags=outer.tags,
                                            search_paths=(path.parent,)), data, skip=("vars",))
        self.play = state = _PlayState(vars=variables)
        spans = data.value_span
        pre = self.nodes(data.get("pre_tasks"), root, where="pre_tasks", span=spans("pre_tasks"))
        listed = self.play_roles(data, root)
        roles = run_order(listed)
        tasks = self.nodes(data.get("tasks"), root, span=spans("tasks"))
        post = self.nodes(data.get("post_tasks"), root, where="post_tasks", span=spans("post_tasks"))
        own_handlers = self.nodes(data.get("handlers"), root, handlers=True, where="handlers",
                                  span=spans("handlers"))
        handlers = (*_role_handlers(_every_use(listed)), *own_handlers, *state.handlers)
        role_tasks = tuple(node for role in roles for node in role.tasks)
        self.check_notify((*pre, *role_tasks, *tasks, *post), handlers)
        self.play = None
        settings = {k: self.checked(k, data) for k in _PLAY_SETTINGS if k in data}
        scalars = {k: v for k, v in root.scalars.items() if k not in ("delegate_to", "notify")}
        return Play(
            hosts=self.hosts(data), span=_span(data), path=path.parent, when=outer.when,
            vars=variables, vars_files=self.vars_files(data, path.parent),
            pre_tasks=pre, role_tasks=role_tasks, tasks=tasks, post_tasks=post,
            handlers=handlers, roles=(*[role.ref for role in roles], *state.roles),
            tags=root.tags, environment=root.environment,
            **{k: v for k, v in {**scalars, **settings}.items() if v is not _FAILED},
        )

    def hosts(self, data: MarkedDict) -> str:
        if "hosts" not in data:
            self.report(PlaybookError("this play has no 'hosts'", span=data.span,
                                      hint="add 'hosts: all', or a group or host pattern"))
            return ""
        value, span = data["hosts"], data.value_span("hosts")
        try:
            items = value if isinstance(value, list) else [value]
            pattern = ",".join(check_str("hosts", item, span_of(item) or span) for item in items)
        except DockyardError as error:
            self.report(error)
            return ""
        if not pattern.strip():
            self.report(PlaybookError("'hosts' is empty", span=span,
                                      hint="name a group or host pattern, e.g. 'hosts: web'"))
        return pattern

    def vars_files(self, data: MarkedDict, base: Path) -> tuple[Any, ...]:
        """``vars_files`` as written; literal names must exist (a list: one of them)."""
        value = data.get("vars_files")
        items = value if isinstance(value, list) else [] if value is None else [value]
        for index, item in enumerate(items):
            span = span_of(item) or (value.item_span(index) if isinstance(value, MarkedList)
                                     else data.value_span("vars_files"))
            choices = item if isinstance(item, list) else [item]
            if not choices or not all(isinstance(choice, str) for choice in choices):
                self.report(PlaybookError("a vars_files entry must be a file name or a list of "
                                          "names (the first that exists is read)", span=span))
                continue
            if any(is_template(choice) for choice in choices):
                continue
            found = next((base / c for c in choices if (base / c).expanduser().is_file()), None)
            if found is None:
                self.report(PlaybookError(f"vars file '{choices[0]}' not found", span=span,
                                          hint=f"vars_files are relative to {base}/"))
                continue
            try:
                loaded = self.data_file(found, span)
                check_vars("vars file", loaded, span_of(loaded) or Span(str(found), 1))
            except DockyardError as error:
                self.report(error)
        return tuple(items)

    def play_roles(self, data: MarkedDict, root: Inherited) -> list[Role]:
        value = data.get("roles")
        if value is None:
            return []
        if not isinstance(value, MarkedList):
            self.report(PlaybookError("'roles' must be a list of roles", span=data.value_span("roles"),
                                      hint="write one '- ROLE' per line"))
            return []
        reader, roles = RoleReader(self, self.roles_search), []
        for index, item in enumerate(value):
            try:
                entry = role_entry(item, value.item_span(index))
            except DockyardError as error:
                self.report(error)
                continue
            role = reader.read(entry, root)
            if role is not None:
                roles.append(role)
        return roles

    def check_notify(self, nodes: tuple[Node, ...], handlers: tuple[Node, ...]) -> None:
        """A ``notify`` that no handler answers to is an error (Ansible fails at run time)."""
        state = self.play
        names = handler_names(handlers) | (state.handler_names if state else set())
        if (state and state.dynamic_handlers) or any(is_template(name) for name in names):
            return
        for task in iter_tasks((*nodes, *handlers)):
            for name in task.notify:
                if is_template(name) or name in names:
                    continue
                hint = did_you_mean(name, names) or (
                    f"the handlers of this play are: {', '.join(sorted(names))}" if names
                    else "this play has no handlers; add them under 'handlers:'")
                self.report(PlaybookError(f"no handler is named or listens to '{name}'",
                                          span=span_of(name) or task.span, hint=hint))

    # -- task lists ----------------------------------------------------------------

    def task_file(self, path: Path, context: Inherited, *, handlers: bool = False,
                  span: Span | None = None) -> tuple[Node, ...]:
        """The nodes of one task file; what it imports is looked up next to it first."""
        resolved = path.resolve()
        if resolved in self.stack:
            chain = " -> ".join(p.name for p in (*self.stack, resolved))
            self.report(PlaybookError(f"import loop: {chain}", span=span,
                                      hint="a task file cannot import itself, directly or not"))
            return ()
        data = self.data_file(path, span)
        here = replace(context, search_paths=tuple(dict.fromkeys((path.parent, *context.search_paths))))
        self.stack.append(resolved)
        try:
            return self.nodes(data, here, handlers=handlers, where="a task file")
        finally:
            self.stack.pop()

    def nodes(self, value: Any, context: Inherited, *, handlers: bool = False,
              where: str = "tasks", span: Span | None = None) -> tuple[Node, ...]:
        if value is None:
            return ()
        if not isinstance(value, MarkedList):
            self.report(PlaybookError(f"{where} must be a list of tasks" if " " in where
                                      else f"'{where}' must be a list of tasks",
                                      span=span_of(value) or span,
                                      hint="start each task with '- ' on its own line"))
            return ()
        found: list[Node] = []
        for index, item in enumerate(value):
            if not isinstance(item, MarkedDict):
                self.report(PlaybookError("a task must be a mapping of keywords",
                                          span=value.item_span(index),
                                          hint="write '- name: ...' and the module on the next line"))
                continue
            found += self.node(item, context, handlers)
        return tuple(found)

    def node(self, data: MarkedDict, context: Inherited, handlers: bool) -> list[Node]:
        if "block" in data:
            return [self.block(data, context, handlers)]
        for part in ("rescue", "always"):
            if part in data:
                self.report(PlaybookError(f"'{part}' without 'block'", span=data.key_span(part),
                                          hint=f"put the tasks under 'block:' with '{part}:' next to it"))
                return []
        return self.task(data, context, handlers)

    def block(self, data: MarkedDict, context: Inherited, handlers: bool) -> Block:
        for key in data:
            if key not in BLOCK_KEYWORDS and key not in IGNORED:
                self.report(unknown_keyword(str(key), "block", BLOCK_KEYWORDS, data.key_span(key)))
        inner = self.with_keywords(context, data)
        parts = {part: self.nodes(data.get(part), inner, handlers=handlers, where=part,
                                  span=data.value_span(part)) for part in ("block", "rescue", "always")}
        name = self.checked("name", data) if "name" in data else None
        keywords = {k: v for k, v in data.items() if k not in parts}
        return Block(parts["block"], _span(data), parts["rescue"], parts["always"],
                     None if name is _FAILED else name, keywords)

    # -- tasks ---------------------------------------------------------------------

    def task(self, data: MarkedDict, context: Inherited, handlers: bool) -> list[Node]:
        found = _find_action(data, HANDLER_KEYWORDS if handlers else TASK_KEYWORDS,
                             "handler" if handlers else "task", self.report)
        if found is None:
            return []
        if found.module in ("import_tasks", "import_role"):
            return self.static_import(data, found, context, handlers)
        own = self.with_keywords(context, data)
        fields = {key: self.checked(key, data) for key in _TASK_ONLY if key in data}
        scalars = {key: value for key, value in own.scalars.items() if key != "notify"}
        if found.key == "local_action":
            scalars.setdefault("delegate_to", "localhost")
        kind, loop = self.loop(data)
        role = own.role
        task = Task(
            action=found.action, module=found.module, args=_action_args(data, found, self.report),
            span=_span(data), when=own.when, tags=own.tags, vars=own.vars,
            environment=own.environment, loop=loop, loop_kind=kind,
            notify=own.scalars.get("notify", ()), role=role, context=context,
            search_paths=tuple(dict.fromkeys((*([role.path] if role else []), *own.search_paths))),
            **{key: value for key, value in {**scalars, **fields}.items() if value is not _FAILED},
        )
        self.check_include(task)
        return [task]

    def loop(self, data: MarkedDict) -> tuple[str | None, Any]:
        keys = [str(k) for k in data if k == "loop" or str(k).startswith("with_")]
        if not keys:
            return None, None
        if len(keys) > 1:
            self.report(PlaybookError(f"a task can loop only once; this one has {' and '.join(keys)}",
                                      span=data.key_span(keys[1]), hint="keep one loop keyword"))
        kind = keys[0]
        try:
            _check_loop(kind, data[kind], data.key_span(kind), data.value_span(kind))
        except DockyardError as error:
            self.report(error)
        return kind, data[kind]

    def check_include(self, task: Task) -> None:
        """Read what a dynamic include names, when the name is plain text, for its errors."""
        name = task.args.get("file" if task.module == "include_tasks" else "name")
        if task.module not in ("include_tasks", "include_role"):
            return
        if not isinstance(name, str) or is_template(name):
            if self.play is not None and task.module == "include_role":
                self.play.dynamic_handlers = True
            return
        span = task.args.value_span("file" if task.module == "include_tasks" else "name")
        try:
            context = include_context(task)
        except DockyardError as error:
            self.report(error)
            return
        if task.module == "include_tasks":
            path = self.find_file(name, task.search_paths, span)
            if path is not None and path.resolve() not in {*self.validated, *self.stack}:
                self.validated.add(path.resolve())
                self.task_file(path, context, span=span)
            return
        path = find_role(name, self.roles_search)
        key = (path, name, *sorted(_from_files(task.args).items()))
        if key not in self.included_roles:
            if path is not None and any(file.is_relative_to(path) for file in self.stack):
                return  # a role including itself: fine at run time, nothing new to check
            self.included_roles[key] = set()
            entry = RoleEntry(name, span, {}, MarkedDict(), _from_files(task.args))
            role = RoleReader(self, self.roles_search).read(entry, context)
            for one in run_order([role] if role else []):
                self.included_roles[key] |= handler_names(one.handlers)
        if self.play is not None:
            self.play.handler_names |= self.included_roles[key]

    def find_file(self, name: str, search: Sequence[Path], span: Span | None) -> Path | None:
        path = find_task_file(name, search)
        if path is None:
            looked = ", ".join(str(base) for base in search) or "."
            self.report(PlaybookError(f"task file '{name}' not found", span=span,
                                      hint=f"looked in {looked} (and their tasks/ directories)"))
        return path

    def static_import(self, data: MarkedDict, found: _Action, context: Inherited,
                      handlers: bool) -> list[Node]:
        """Inline an ``import_tasks`` or ``import_role``, the line's keywords applied to all."""
        loops = [str(key) for key in data if key == "loop" or str(key).startswith("with_")]
        for key in (*loops, *(k for k in _NOT_ON_IMPORTS if k in data)):
            hint = ("use include_tasks / include_role to loop" if key in loops
                    else "set it on the imported tasks, or use include_tasks / include_role")
            self.report(PlaybookError(f"'{key}' cannot be used on {found.module}",
                                      span=data.key_span(key), hint=hint))
        args = _action_args(data, found, self.report)
        inner = self.with_keywords(context, data)
        key = "file" if found.module == "import_tasks" else "name"
        name = self.render_static(args.get(key), args.value_span(key), inner, found.module)
        if name is None:
            return []
        if found.module == "import_tasks":
            search = (*([inner.role.path] if inner.role else []), *inner.search_paths)
            path = self.find_file(name, search, args.value_span(key))
            return [] if path is None else list(
                self.task_file(path, inner, handlers=handlers, span=args.value_span(key)))
        entry = RoleEntry(name, args.value_span(key), {}, MarkedDict(), _from_files(args))
        role = RoleReader(self, self.roles_search).read(entry, inner)
        order = run_order([role]) if role is not None else []
        if self.play is not None:
            self.play.handlers += [h for one in order for h in one.handlers]
            self.play.roles += [one.ref for one in order]
        return [node for one in order for node in one.tasks]

    def render_static(self, value: Any, span: Span | None, context: Inherited,
                      what: str) -> str | None:
        """An import's file or role name, templated with what is known before the play runs."""
        if not isinstance(value, str):
            return None  # _action_args reported it
        if not is_template(value):
            return value
        role = context.role
        variables = {**(role.defaults if role else {}), **(self.play.vars if self.play else {}),
                     **(role.vars if role else {}), **context.vars,
                     **(role.params if role else {}), **self.extra_vars}
        try:
            return _render(value, variables)
        except jinja2.TemplateError as error:
            dynamic = {"import_tasks": "include_tasks", "import_role": "include_role"}.get(what)
            instead = f"use {dynamic} for a name that depends on hosts or facts" if dynamic else \
                "pass the value with -e"
            self.report(PlaybookError(f"cannot resolve {value!r} when loading: {error}", span=span,
                                      hint=f"{what} is resolved before any host is contacted, "
                                      f"with play vars, role vars and extra vars only; {instead}"))
            return None


def _every_use(roles: Sequence[Role]) -> list[Role]:
    """Each role entry and, before it, its dependencies: also the uses run_order drops."""
    return [use for role in roles for use in (*_every_use(role.dependencies), role)]


def _role_handlers(roles: Sequence[Role]) -> list[Node]:
    """The handlers of the play's roles; a role used twice gives its handlers once, from its
    last use (Ansible notifies the last handler loaded with a name)."""
    last: dict[tuple[Any, ...], Role] = {}
    for role in roles:
        key = (role.ref.path, *(node.span for node in role.handlers))
        last.pop(key, None)
        last[key] = role
    return [node for role in last.values() for node in role.handlers]


def _span(data: MarkedDict) -> Span:
    return data.span or Span("<unknown>", 0)


def _render(text: str, variables: Mapping[str, Any]) -> str:
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    for _ in range(10):
        text = environment.from_string(text).render(variables)
        if not is_template(text):
            return text
    raise jinja2.TemplateError("the value keeps expanding into templates")


def _check_loop(kind: str, value: Any, key_span: Span | None, value_span: Span | None) -> None:
    if kind not in LOOP_KINDS:
        close = difflib.get_close_matches(kind, LOOP_KINDS, n=1, cutoff=0.85)
        raise PlaybookError(f"'{kind}' is not supported", span=key_span,
                            hint=f"did you mean '{close[0]}'?" if close else "use 'loop:' with a "
                            "filter, e.g. loop: \"{{ x | flatten }}\" (see docs/playbooks.md)")
    if isinstance(value, list) or is_template(value):
        return
    if (kind == "with_dict" and isinstance(value, Mapping)) or (kind != "loop" and isinstance(value, str)):
        return
    if isinstance(value, Mapping):
        hint = "to loop over a mapping, write loop: \"{{ VAR | dict2items }}\""
    elif isinstance(value, str):
        hint = "for a variable write loop: \"{{ VAR }}\"; for items, a YAML list"
    else:
        hint = "write a YAML list, or a template that gives one"
    raise PlaybookError(f"'{kind}' must be a list or a template", span=value_span, hint=hint)


# -- the task line: which module, with which arguments ------------------------------


@dataclass(frozen=True)
class _Action:
    """The module a task runs, as found in the task mapping."""

    key: str                 # the task key that named it: the module, 'action', 'local_action'
    action: str              # the module's name as written
    module: str              # canonical: the registry's name, or a special action
    value: Any               # its arguments as written: a mapping, k=v text, or None
    span: Span | None        # where the module is named
    value_span: Span | None
    cls: type[Module] | None


def _short(name: str) -> str:
    for prefix in FQCN_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _resolve(name: str) -> tuple[str, type[Module] | None] | None:
    if _short(name) in SPECIAL_ACTIONS:
        return _short(name), None
    cls = find_module(name)
    return (cls.name, cls) if cls is not None else None


def _find_action(data: MarkedDict, allowed: frozenset[str], where: str,
                 report: Report) -> _Action | None:
    """The one module of a task; reports unknown keys, unknown modules and conflicts."""
    candidates: list[_Action] = []
    unknown: list[str] = []
    for raw_key in data:
        key = str(raw_key)
        if key in ("action", "local_action"):
            legacy = _legacy_action(data, key, report)
            candidates += [legacy] if legacy else []
        elif key in UNSUPPORTED:
            report(unknown_keyword(key, where, allowed, data.key_span(key)))
        elif key not in allowed and key not in IGNORED and not key.startswith("with_"):
            resolved = _resolve(key)
            if resolved is None:
                unknown.append(key)
            else:
                candidates.append(_Action(key, key, resolved[0], data[key], data.key_span(key),
                                          data.value_span(key), resolved[1]))
    module_guess = None if candidates else next(
        (key for key in unknown if did_you_mean(key, allowed) is None), None)
    for key in unknown:
        if _short(key) == "import_playbook":
            report(PlaybookError("import_playbook is not a task", span=data.key_span(key),
                                 hint="write it at the top level of a playbook, next to the plays"))
        elif key == module_guess:
            report(ModuleError(f"unknown module '{key}'", span=data.key_span(key),
                               hint=unknown_module_hint(key)))
        else:
            report(unknown_keyword(key, where, allowed, data.key_span(key)))
    if len(candidates) > 1:
        report(PlaybookError("conflicting action statements: "
                             + ", ".join(c.action for c in candidates), span=candidates[1].span,
                             hint="a task runs one module; make one task per module"))
    elif not candidates and not unknown:
        report(PlaybookError(f"this {where} has no module", span=data.span,
                             hint="add the module to run, e.g. 'debug: msg=hello'"))
    return candidates[0] if len(candidates) == 1 else None


def _legacy_action(data: MarkedDict, key: str, report: Report) -> _Action | None:
    """``action: copy src=a dest=b`` / ``local_action: {module: copy, src: a}``."""
    value, span = data[key], data.value_span(key)
    rest: MarkedDict | MarkedStr
    if isinstance(value, MarkedDict) and isinstance(value.get("module"), str):
        name, rest = value["module"], MarkedDict((k, v) for k, v in value.items() if k != "module")
        rest.key_spans, rest.value_spans, rest.span = value.key_spans, value.value_spans, value.span
    elif isinstance(value, str) and value.strip():
        try:
            name = split_args(value)[0].strip()
        except ValueError:
            name = value.split()[0]
        offset = value.index(name) + len(name)
        rest = _shifted(value[offset:], value, offset)
    else:
        report(PlaybookError(f"'{key}' must name a module and its arguments", span=span,
                             hint=f"write '{key}: MODULE key=value ...'"))
        return None
    resolved = _resolve(name)
    if resolved is None:
        report(ModuleError(f"unknown module '{name}'", span=span, hint=unknown_module_hint(name)))
        return None
    return _Action(key, name, resolved[0], rest, span, span, resolved[1])


def _shifted(text: str, whole: str, offset: int) -> MarkedStr:
    """``text``, the part of ``whole`` from ``offset``, with its own span where known."""
    marked = MarkedStr(text)
    marked.span = _offset_span(whole, span_of(whole), offset)
    return marked


def _offset_span(text: str, span: Span | None, offset: int) -> Span | None:
    """Where character ``offset`` of a YAML string value is, when it sits on one line."""
    if span is None or not span.col or "\n" in text[:offset]:
        return span
    linecache.checkcache(span.file)
    line = linecache.getline(span.file, span.line)[span.col - 1:]
    for shift in (0, 1):  # plain, or just after an opening quote
        if line[shift:].startswith(text[:offset]) and (shift == 0 or line[:1] in "\"'"):
            return Span(span.file, span.line, span.col + shift + offset)
    return span


def _merge(target: MarkedDict, source: Mapping[Any, Any]) -> None:
    for key, value in source.items():
        target[key] = value
        if isinstance(source, MarkedDict):
            for spans, own in ((target.key_spans, source.key_spans),
                               (target.value_spans, source.value_spans)):
                if key in own:
                    spans[key] = own[key]


def _kv_args(text: str, free_form: bool, report: Report) -> MarkedDict:
    """``path=/x state=directory`` as a mapping, each key with its own span."""
    span = span_of(text)
    args = MarkedDict()
    try:
        triples = parse_kv(text, free_form=free_form)
    except ValueError:
        report(PlaybookError("unbalanced quotes or '{{ }}' in the arguments", span=span,
                             hint="close every quote and '{{' on this line"))
        return args
    for key, value, offset in triples:
        marked = _shifted(value, text, offset if key == "_raw_params" else offset + len(key) + 1)
        args[key] = marked
        args.value_spans[key] = marked.span or span  # type: ignore[assignment]
        args.key_spans[key] = _offset_span(text, span, offset) or span  # type: ignore[assignment]
    return args


def _action_args(data: MarkedDict, found: _Action, report: Report) -> MarkedDict:
    """The task's arguments: ``args:`` first, then the module's own (which win), checked."""
    args = MarkedDict()
    args.span = found.value_span
    extra = data.get("args")
    if isinstance(extra, Mapping):
        _merge(args, extra)
    elif extra is not None:
        report(PlaybookError("'args' must be a mapping of module arguments",
                             span=data.value_span("args"), hint="write one 'name: value' per line"))
    value = found.value
    if isinstance(value, Mapping):
        _merge(args, value)
    elif isinstance(value, str):
        _merge(args, _kv_args(value, found.module in FREE_FORM_MODULES, report))
    elif value is not None:
        report(PlaybookError(f"the arguments of '{found.action}' must be a mapping or "
                             "'key=value' text", span=found.value_span))
    if found.cls is not None:
        _validate_module(found, found.cls, args, report)
    else:
        _check_special(found, args, report)
    return args


def _validate_module(found: _Action, cls: type[Module], args: MarkedDict, report: Report) -> None:
    """The registry module's own argument check (templated values are checked at run time)."""
    checked = args
    if "_raw_params" in args and not getattr(cls, "any_args", False) and "_raw_params" not in {
            name for spec in arg_specs(cls.Args) for name in (spec.name, *spec.aliases)}:
        report(ModuleError(f"module '{found.module}' does not take free-form text",
                           span=args.value_span("_raw_params"),
                           hint="write its arguments as key=value pairs or as a mapping"))
        checked = MarkedDict((k, v) for k, v in args.items() if k != "_raw_params")
        checked.key_spans, checked.value_spans = args.key_spans, args.value_spans
        if not checked:
            return
    try:
        validate_module_args(cls, checked, span=found.span, lenient_templates=True)
    except DockyardError as error:
        report(error)


def _check_special(found: _Action, args: MarkedDict, report: Report) -> None:
    """Arguments of the language's own actions: meta, include_*/import_*."""
    module = found.module
    if module in ("include_tasks", "import_tasks") and "_raw_params" in args:
        args["file"] = args.pop("_raw_params")
        args.value_spans["file"] = args.value_spans.pop("_raw_params", found.value_span)  # type: ignore[arg-type]
    allowed: tuple[str, ...]
    if module == "meta":
        allowed, required = ("_raw_params",), "_raw_params"
    elif module.endswith("_tasks"):
        allowed, required = ("file", "apply") if module == "include_tasks" else ("file",), "file"
    else:
        allowed, required = (*_ROLE_ARGS, *(("apply",) if module == "include_role" else ())), "name"
    for key in args:
        if key not in allowed:
            report(PlaybookError(f"'{key}' is not an argument of {module}", span=args.key_span(key),
                                 hint=did_you_mean(str(key), allowed) or f"{module} takes: "
                                 + ", ".join(a for a in allowed if a != "_raw_params")))
    value = args.get(required)
    if not isinstance(value, str) or not value.strip():
        what = {"meta": "an action, e.g. 'meta: flush_handlers'", "name": "a role 'name'"}.get(
            required, "a task file name")
        report(PlaybookError(f"{module} needs {what}", span=found.span))
    elif module == "meta" and not is_template(value) and value not in META_ACTIONS:
        report(PlaybookError(f"unknown meta action '{value}'", span=args.value_span(required),
                             hint=did_you_mean(value, META_ACTIONS)
                             or f"meta actions: {', '.join(META_ACTIONS)}"))
    apply = args.get("apply")
    if apply is not None and not isinstance(apply, Mapping):
        report(PlaybookError("'apply' must be a mapping of block keywords",
                             span=args.value_span("apply")))
    elif isinstance(apply, MarkedDict):
        usable = BLOCK_KEYWORDS - {"block", "rescue", "always", "name"}
        for key in apply:
            if key not in usable:
                report(unknown_keyword(str(key), "apply", usable, apply.key_span(key)))


def _from_files(args: Mapping[str, Any]) -> dict[str, str]:
    """``tasks_from``/``vars_from``/... of an import_role/include_role, by part."""
    return {part: str(args[f"{part}_from"]) for part in ("tasks", "vars", "defaults", "handlers")
            if isinstance(args.get(f"{part}_from"), str)}
