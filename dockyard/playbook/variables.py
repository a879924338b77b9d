"""The variables a task sees on one host: Ansible's precedence, in one place.

The engine describes a run, a play and a task with plain values and asks for the
variables; everything about precedence lives here (and in ``docs/variables.md``)::

    run = RunScope(inventory, states={h.name: HostState() for h in hosts},
                   extra_vars=load_extra_vars(options.extra_vars),
                   check_mode=options.check, playbook_dir="playbooks")
    play = PlayScope(name="web", hosts=("web1", "web2"), vars=play_vars,
                     vars_files=("vars/common.yml", "vars/{{ ansible_os_family }}.yml"),
                     roles=(RoleScope("nginx", "roles/nginx", defaults=..., vars=...),))
    task = TaskScope(vars=task_vars, block_vars=(outer, inner), role=None,
                     include_params={})
    templar = Templar(build_task_vars(run, "web1", play, task))

    state = run.states["web1"]
    state.add_facts(gather_facts(conn))                 # layer 11
    state.register("out", result, origin=...)           # layer 18 (Unknown in a plan)
    state.set_facts({"x": 1}, origin=...)               # layer 18
    origins(run, "web1", play, task)["x"]               # Sourced(value, origin, rank, hidden)

Precedence, lowest first (:class:`Rank`; a later layer replaces a whole top-level value)::

     1 role defaults           play roles', then the task's role's
     2 [all] vars in inventory files
     3 other groups' vars in inventory files (parents first)
     4 group_vars/all next to the inventory      5 ... next to the playbook
     6 group_vars/GROUP next to the inventory    7 ... next to the playbook
     8 host vars in inventory files
     9 host_vars/HOST next to the inventory      10 ... next to the playbook
    11 facts (gathered, setup, set_fact cacheable)
    12 play vars               13 play vars_files      14 role vars
    15 block vars (outer to inner)                     16 task vars
    17 include_vars            18 set_fact and registered results
    19 role params             20 include params (include_tasks / include_role)
    21 extra vars (-e)         22 magic variables (inventory_hostname, hostvars, omit...)

As in ansible-core, include params (20) win over role params (19) and both over
set_fact (18). Facts, set_fact values and registered results are data
(:func:`~dockyard.playbook.unknown.untrusted`): a ``{{`` in a command's output is never
rendered. ``hostvars[h]`` holds host ``h``'s layers without play or task (2-11, 17, 18,
21, 22), rendered with ``h``'s own variables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

from dockyard.errors import DockyardError, PlaybookError
from dockyard.facts.gather import fact_variables
from dockyard.inventory.model import Inventory, Origin
from dockyard.inventory.vars import Layer, Sourced, sort_groups
from dockyard.inventory.vars import layers as inventory_layers
from dockyard.inventory.vars import magic_vars as inventory_magic_vars
from dockyard.inventory.varsfiles import VarsDir, load_data_file, mapping_of_vars
from dockyard.playbook.extra_vars import load_extra_vars
from dockyard.playbook.lazy import Scope
from dockyard.playbook.template import OMIT, Templar, is_template
from dockyard.playbook.unknown import untrusted
from dockyard.source import MarkedDict, Span, span_of

__all__ = [
    "ANSIBLE_VERSION", "HostState", "HostVars", "PlayScope", "Rank", "RoleScope", "RunScope",
    "TaskScope", "build_task_vars", "layers", "load_extra_vars", "magic_vars", "origins",
]

ANSIBLE_VERSION = {"full": "2.19.0", "major": 2, "minor": 19, "revision": 0, "string": "2.19.0"}
"""``ansible_version``: the ansible-core whose playbook semantics dockyard follows."""


class Rank(IntEnum):
    """The layers of the precedence list, lowest first (see the module docs)."""

    ROLE_DEFAULTS = 1
    INVENTORY_ALL = 2
    INVENTORY_GROUPS = 3
    GROUP_VARS_ALL = 4
    PLAYBOOK_GROUP_VARS_ALL = 5
    GROUP_VARS = 6
    PLAYBOOK_GROUP_VARS = 7
    INVENTORY_HOST = 8
    HOST_VARS = 9
    PLAYBOOK_HOST_VARS = 10
    FACTS = 11
    PLAY_VARS = 12
    PLAY_VARS_FILES = 13
    ROLE_VARS = 14
    BLOCK_VARS = 15
    TASK_VARS = 16
    INCLUDE_VARS = 17
    SET_FACT = 18
    ROLE_PARAMS = 19
    INCLUDE_PARAMS = 20
    EXTRA_VARS = 21
    MAGIC = 22


_INVENTORY_RANKS = {1: Rank.INVENTORY_ALL, 2: Rank.INVENTORY_GROUPS, 3: Rank.GROUP_VARS_ALL,
                    4: Rank.GROUP_VARS, 5: Rank.INVENTORY_HOST, 6: Rank.HOST_VARS}


@dataclass
class HostState:
    """What a run learns about one host and keeps until the run ends."""

    facts: dict[str, Any] = field(default_factory=dict)
    """Gathered facts with their ``ansible_*`` names (and cacheable set_fact values)."""
    vars: dict[str, Any] = field(default_factory=dict)
    """set_fact values and registered results (one layer: the later wins)."""
    included: dict[str, Any] = field(default_factory=dict)
    """Variables read by include_vars."""
    origins: dict[tuple[Rank, str], Origin] = field(default_factory=dict)

    def add_facts(self, facts: Mapping[str, Any], *, origin: Origin | None = None) -> None:
        self._store(Rank.FACTS, "facts", facts, origin or Origin(None, "gathered facts"))

    def set_facts(self, values: Mapping[str, Any], *, origin: Origin | None = None,
                  cacheable: bool = False) -> None:
        origin = origin or Origin(None, "set_fact")
        self._store(Rank.SET_FACT, "vars", values, origin)
        if cacheable:
            self._store(Rank.FACTS, "facts", values, origin)

    def register(self, name: str, result: Any, *, origin: Origin | None = None) -> None:
        """``register: name`` (the result may be an :class:`~dockyard.playbook.unknown.Unknown`)."""
        self._store(Rank.SET_FACT, "vars", {name: result}, origin or Origin(None, "register"))

    def include_vars(self, values: Mapping[str, Any], *, origin: Origin | None = None) -> None:
        self._store(Rank.INCLUDE_VARS, "included", values, origin or Origin(None, "include_vars"),
                    trusted=True)

    def clear_facts(self) -> None:
        self.facts = {}

    def _store(self, rank: Rank, name: str, values: Mapping[str, Any], origin: Origin,
               *, trusted: bool = False) -> None:
        """Copy on write: other hosts' threads read this host's variables (``hostvars``)
        while its own thread stores, and must see the dicts as they were or as they are
        now, never one changing size under their loop or half of a ``set_fact``."""
        stored = {key: value if trusted else untrusted(value) for key, value in values.items()}
        self.origins = {**self.origins, **{(rank, key): origin for key in stored}}
        setattr(self, name, {**getattr(self, name), **stored})


@dataclass(frozen=True)
class RoleScope:
    """A role as variables see it: defaults (1), vars (14) and params (19)."""

    name: str
    path: str = ""
    defaults: Mapping[str, Any] = field(default_factory=dict)
    vars: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)


VarsFileEntry = Mapping[str, Any] | str | Sequence[str]
"""A ``vars_files`` item: loaded data, a file name (may be a template), or a list of names
of which the first that exists is read."""


@dataclass(frozen=True)
class PlayScope:
    """A play as variables see it. ``hosts`` are all its hosts, ``batch`` the current
    ``serial`` batch (default: all), ``removed_hosts`` those that failed or went away."""

    name: str = ""
    hosts: tuple[str, ...] = ()
    batch: tuple[str, ...] | None = None
    removed_hosts: frozenset[str] = frozenset()
    vars: Mapping[str, Any] = field(default_factory=dict)
    vars_files: tuple[VarsFileEntry, ...] = ()
    roles: tuple[RoleScope, ...] = ()
    base_dir: str | None = None
    """Where relative ``vars_files`` are found (the play's file's directory)."""


@dataclass(frozen=True)
class TaskScope:
    """A task as variables see it. ``include_params`` are the vars and arguments of the
    include_tasks/include_role that brought it in."""

    name: str = ""
    vars: Mapping[str, Any] = field(default_factory=dict)
    block_vars: tuple[Mapping[str, Any], ...] = ()
    role: RoleScope | None = None
    include_params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunScope:
    """The whole run: inventory, per-host state, extra vars and modes."""

    inventory: Inventory
    states: Mapping[str, HostState] = field(default_factory=dict)
    extra_vars: Mapping[str, Any] = field(default_factory=dict)
    check_mode: bool = False
    diff_mode: bool = False
    playbook_dir: str | None = None
    _vars_dirs: dict[str, VarsDir | None] = field(default_factory=dict, compare=False, repr=False)

    def state(self, host: str) -> HostState:
        """The host's state (an empty one for a host the run has not seen)."""
        return self.states.get(host) or HostState()

    def playbook_vars_dir(self) -> VarsDir | None:
        """``group_vars/``+``host_vars/`` next to the playbook, unless the inventory's own."""
        if self.playbook_dir is None:
            return None
        key = os.path.realpath(self.playbook_dir)
        if key not in self._vars_dirs:
            known = {os.path.realpath(str(d.path)) for d in self.inventory.vars_dirs}
            # setdefault: hosts' threads ask at once, and all must share one (its cache).
            self._vars_dirs.setdefault(key, None if key in known else VarsDir(Path(self.playbook_dir)))
        return self._vars_dirs[key]


def _layer(rank: Rank, title: str, values: Mapping[str, Any]) -> Layer:
    spans = values if isinstance(values, MarkedDict) else None
    origins = {key: Origin(spans.key_span(key) if spans is not None else None, title) for key in values}
    return Layer(int(rank), title, values, origins)


def _inventory(run: RunScope, host: str) -> list[Layer]:
    """Layers 2-10: the inventory's own (see inventory/vars.py) with the playbook's dirs between."""
    target = run.inventory.host(host)
    playbook = run.playbook_vars_dir()
    groups = sort_groups([g for g in run.inventory.groups_of(target) if g.name != "all"])
    extra: dict[int, list[Layer]] = {3: [], 4: [], 6: []}
    if playbook is not None:
        found = [(3, Rank.PLAYBOOK_GROUP_VARS_ALL, playbook.group("all"))]
        found += [(4, Rank.PLAYBOOK_GROUP_VARS, playbook.group(g.name)) for g in groups]
        found += [(6, Rank.PLAYBOOK_HOST_VARS, playbook.host(target.name))]
        for after, rank, vars_layer in found:
            if vars_layer is not None:
                extra[after].append(Layer(int(rank), vars_layer.label, vars_layer.values, vars_layer.origins))
    result: list[Layer] = []
    own = inventory_layers(run.inventory, target)
    for inventory_rank in range(1, 7):
        result += [Layer(int(_INVENTORY_RANKS[inventory_rank]), layer.title, layer.values, layer.origins)
                   for layer in own if layer.rank == inventory_rank]
        result += extra.get(inventory_rank, [])
    return result


def _state_layer(state: HostState, rank: Rank, title: str, values: Mapping[str, Any]) -> Layer:
    origins = {key: state.origins.get((rank, key)) or Origin(None, title) for key in values}
    return Layer(int(rank), title, values, origins)


def _roles(play: PlayScope | None, task: TaskScope | None) -> list[RoleScope]:
    roles = list(play.roles) if play else []
    if task and task.role and all(task.role is not role for role in roles):
        roles.append(task.role)
    return roles


def layers(run: RunScope, host: str, play: PlayScope | None = None, task: TaskScope | None = None,
           *, with_hostvars: bool = True) -> list[Layer]:
    """Every layer of ``host``'s variables for ``task`` of ``play``, lowest first (see module docs)."""
    state = run.state(host)
    roles = _roles(play, task)
    result = [_layer(Rank.ROLE_DEFAULTS, f"defaults of role {r.name}", r.defaults) for r in roles]
    result += _inventory(run, host)
    result.append(_state_layer(state, Rank.FACTS, "facts", fact_variables(state.facts)))
    if play is not None:
        result.append(_layer(Rank.PLAY_VARS, f"vars of play {play.name!r}", play.vars))
        result += _vars_files(run, host, play, task, result)
    result += [_layer(Rank.ROLE_VARS, f"vars of role {r.name}", r.vars) for r in roles]
    if task is not None:
        result += [_layer(Rank.BLOCK_VARS, "block vars", values) for values in task.block_vars]
        result.append(_layer(Rank.TASK_VARS, f"vars of task {task.name!r}", task.vars))
    result.append(_state_layer(state, Rank.INCLUDE_VARS, "include_vars", state.included))
    result.append(_state_layer(state, Rank.SET_FACT, "set_fact / register", state.vars))
    if task is not None and task.role is not None:
        result.append(_layer(Rank.ROLE_PARAMS, f"params of role {task.role.name}", task.role.params))
    if task is not None:
        result.append(_layer(Rank.INCLUDE_PARAMS, "include params", task.include_params))
    result.append(_layer(Rank.EXTRA_VARS, "extra vars (-e)", run.extra_vars))
    magic = magic_vars(run, host, play, task, with_hostvars=with_hostvars)
    result.append(_layer(Rank.MAGIC, "magic variable", magic))
    return [layer for layer in result if layer.values]


def _merge(found: Sequence[Layer]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for layer in found:
        merged.update(layer.values)
    return merged


def build_task_vars(run: RunScope, host: str, play: PlayScope | None = None,
                    task: TaskScope | None = None) -> dict[str, Any]:
    """The variables ``task`` sees on ``host``: every layer merged (give them to a Templar)."""
    return _merge(layers(run, host, play, task))


def origins(run: RunScope, host: str, play: PlayScope | None = None,
            task: TaskScope | None = None) -> dict[str, Sourced]:
    """Each variable's winning value, where it was set, and the values it hides."""
    explained: dict[str, Sourced] = {}
    for layer in layers(run, host, play, task):
        for key, value in layer.values.items():
            origin = layer.origins.get(key) or Origin(None, layer.title)
            below = explained.get(key)
            hidden = (*below.hidden, Sourced(below.value, below.origin, below.rank)) if below else ()
            explained[key] = Sourced(value, origin, layer.rank, hidden)
    return explained


def magic_vars(run: RunScope, host: str, play: PlayScope | None = None,
               task: TaskScope | None = None, *, with_hostvars: bool = True) -> dict[str, Any]:
    """The variables dockyard defines itself; no other layer can override them."""
    target = run.inventory.host(host)
    magic = inventory_magic_vars(run.inventory, target)
    magic.update(omit=OMIT, ansible_check_mode=run.check_mode, ansible_diff_mode=run.diff_mode,
                 ansible_version=dict(ANSIBLE_VERSION))
    if run.playbook_dir is not None:
        magic["playbook_dir"] = os.path.abspath(run.playbook_dir)
    if play is not None:
        active = [name for name in play.hosts if name not in play.removed_hosts]
        batch = [name for name in (play.batch or play.hosts) if name not in play.removed_hosts]
        role_names = [role.name for role in play.roles]
        magic.update(ansible_play_name=play.name, ansible_play_hosts_all=list(play.hosts),
                     ansible_play_hosts=active, ansible_play_batch=batch, play_hosts=batch,
                     ansible_play_role_names=role_names, role_names=role_names,
                     ansible_role_names=list(role_names))
    if task is not None and task.role is not None:
        magic.update(role_name=task.role.name, ansible_role_name=task.role.name,
                     role_path=os.path.abspath(task.role.path) if task.role.path else "")
    if with_hostvars:
        magic["hostvars"] = HostVars(run)
    return magic


class HostVars(Scope):
    """``hostvars``: every inventory host's variables, built and rendered when first read.

    ``hostvars[h]`` has no play or task layers (as in Ansible) and is rendered with
    ``h``'s variables, so ``hostvars['db1'].url`` uses db1's ``port``.
    """

    __slots__ = ("_hosts", "_run")

    def __init__(self, run: RunScope) -> None:
        self._run = run
        self._hosts: dict[str, Mapping[str, Any]] = {}

    def __getitem__(self, name: str) -> Mapping[str, Any]:
        if name not in self._hosts:
            if not isinstance(name, str) or self._run.inventory.get_host(name) is None:
                raise KeyError(name)
            variables = _merge(layers(self._run, name, with_hostvars=False))
            self._hosts[name] = Templar(variables, label=f"hostvars['{name}']",
                                        globals={"hostvars": self}).variables
        return self._hosts[name]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._run.inventory.get_host(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._run.inventory.hosts))  # a copy: add_host may add to it meanwhile

    def __len__(self) -> int:
        return len(self._run.inventory.hosts)

    def __repr__(self) -> str:
        return f"HostVars({len(self)} hosts)"


def _vars_files(run: RunScope, host: str, play: PlayScope, task: TaskScope | None,
                below: list[Layer]) -> list[Layer]:
    """Layer 13: each vars_files entry, file names templated with the layers so far."""
    found: list[Layer] = []
    templar: Templar | None = None
    base = Path(play.base_dir or run.playbook_dir or ".")
    for entry in play.vars_files:
        if isinstance(entry, Mapping):
            found.append(_layer(Rank.PLAY_VARS_FILES, "vars_files", entry))
            continue
        names = [entry] if isinstance(entry, str) else list(entry)
        if templar is None and any(is_template(name) for name in names):
            magic = magic_vars(run, host, play, task)
            templar = Templar({**_merge([*below, *found]), **run.extra_vars, **magic})
        found.append(_vars_file(names, base, templar, span_of(entry)))
    return found


def _vars_file(names: list[str], base: Path, templar: Templar | None, span: Span | None) -> Layer:
    tried = []
    for name in names:
        rendered = templar.template(name) if templar is not None and is_template(name) else name
        path = Path(str(rendered)).expanduser()
        path = path if path.is_absolute() else base / path
        tried.append(str(path))
        if path.is_file():
            try:
                values, file_origins = mapping_of_vars(load_data_file(path) or {}, str(path), "a vars file")
            except DockyardError as exc:
                raise PlaybookError(exc.message, span=exc.span, hint=exc.hint) from None
            return Layer(int(Rank.PLAY_VARS_FILES), f"vars_files {path}", values, file_origins)
    raise PlaybookError(f"vars file {' / '.join(map(repr, names))} not found", span=span_of(names[0]) or span,
                        hint=f"looked for {', '.join(tried)}")
