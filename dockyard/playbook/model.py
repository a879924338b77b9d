"""The playbook as typed values: what the loader builds and the engine runs.

The loader (:mod:`dockyard.playbook.load`) turns YAML into these frozen values, after
checking every keyword and resolving everything that can be resolved without a host:
``import_playbook``, ``import_tasks`` and ``import_role`` are inlined, roles are found
and read, and the keywords a task inherits from its blocks, role and play are already
written onto the task itself::

    Playbook(path, plays)
      Play(hosts, vars, pre_tasks, role_tasks, tasks, post_tasks, handlers, roles, ...)
        Node = Task | Block
          Block(block, rescue, always)      its keywords are flattened onto the tasks inside
          Task(action, module, args, when, loop, become, tags, vars, role, ...)

Values stay *untemplated*: a condition is the string the user wrote, ``args`` is the raw
mapping (a :class:`~dockyard.source.MarkedDict` that remembers spans). A boolean or
number keyword that is still a Jinja2 template (``become: "{{ use_sudo }}"``) is kept as
a :class:`Template` for the engine to render per host. ``None`` means "not set anywhere".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from dockyard.source import MarkedDict, Span

__all__ = [
    "EMPTY",
    "Block",
    "Condition",
    "EnvLayer",
    "Handler",
    "Inherited",
    "LoopControl",
    "Node",
    "Phase",
    "Play",
    "Playbook",
    "Role",
    "RoleRef",
    "Task",
    "Template",
    "iter_tasks",
]

EMPTY: Mapping[str, Any] = MappingProxyType({})

#: A raw condition as written: a Jinja2 expression without braces, or a boolean.
Condition = str | bool


@dataclass(frozen=True)
class Template:
    """A non-string keyword value that is still a Jinja2 template, rendered per host."""

    text: str
    span: Span | None = None


#: One ``environment:`` layer: a mapping, or a template that renders to one.
EnvLayer = Mapping[str, Any] | Template


@dataclass(frozen=True)
class LoopControl:
    """``loop_control:`` of a looping task (Ansible's defaults)."""

    loop_var: str = "item"
    index_var: str | None = None
    label: Any = None
    pause: float | Template = 0.0
    extended: bool | Template = False
    extended_allitems: bool | Template = True
    break_when: tuple[Condition, ...] = ()
    span: Span | None = None


@dataclass(frozen=True)
class RoleRef:
    """One use of a role: which role, and the variables it brings.

    ``defaults`` (``defaults/main.yml``) and ``vars`` (``vars/main.yml``) are the role's
    files; ``params`` are what the play passed: ``- {role: web, port: 80}`` and the
    entry's ``vars:`` (Ansible's "role params", which win over ``vars``).
    """

    name: str
    path: Path
    defaults: Mapping[str, Any] = field(default_factory=dict)
    vars: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    span: Span | None = None


@dataclass(frozen=True)
class Inherited:
    """What a task inherits from the play, blocks, roles and imports around it.

    ``scalars`` holds the nearest-wins keywords (``become``, ``become_user``,
    ``check_mode``, ``delegate_to``, ...); ``when`` conditions are appended (outermost
    first), ``tags`` unioned, ``vars`` merged (inner wins), ``environment`` layered.
    """

    when: tuple[Condition, ...] = ()
    tags: frozenset[str] = frozenset()
    vars: Mapping[str, Any] = field(default_factory=dict)
    environment: tuple[EnvLayer, ...] = ()
    scalars: Mapping[str, Any] = field(default_factory=dict)
    role: RoleRef | None = None
    search_paths: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Task:
    """One task (or handler) with every inherited keyword already resolved onto it.

    ``action`` is the name as written (``ansible.builtin.copy``); ``module`` the
    registry's canonical name (``copy``) or one of the language's own actions:
    ``meta``, ``include_tasks``, ``include_role`` (``import_*`` are inlined at load).
    ``context`` is what the task inherited before its own keywords were applied: the
    engine passes it on to the tasks a dynamic ``include_tasks`` brings in.
    """

    action: str
    module: str
    args: MarkedDict
    span: Span
    name: str | None = None
    when: tuple[Condition, ...] = ()
    loop: Any = None
    loop_kind: str | None = None
    loop_control: LoopControl | None = None
    register: str | None = None
    notify: tuple[str, ...] = ()
    listen: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()
    vars: Mapping[str, Any] = field(default_factory=dict)
    environment: tuple[EnvLayer, ...] = ()
    changed_when: tuple[Condition, ...] = ()
    failed_when: tuple[Condition, ...] = ()
    until: tuple[Condition, ...] = ()
    retries: int | Template | None = None
    delay: float | Template | None = None
    become: bool | Template | None = None
    become_user: str | None = None
    become_method: str | None = None
    remote_user: str | None = None
    connection: str | None = None
    delegate_to: str | None = None
    run_once: bool | Template | None = None
    ignore_errors: bool | Template | None = None
    ignore_unreachable: bool | Template | None = None
    any_errors_fatal: bool | Template | None = None
    no_log: bool | Template | None = None
    check_mode: bool | Template | None = None
    diff: bool | Template | None = None
    role: RoleRef | None = None
    search_paths: tuple[Path, ...] = ()
    context: Inherited = field(default_factory=Inherited, repr=False, compare=False)

    @property
    def role_name(self) -> str:
        """The role this task comes from, or ""."""
        return self.role.name if self.role else ""

    @property
    def display_name(self) -> str:
        """The name Ansible prints: ``role : name``, falling back to the action."""
        own = self.name or self.action
        return f"{self.role.name} : {own}" if self.role else own


#: A handler is a task that may also ``listen`` to topics.
Handler = Task


@dataclass(frozen=True)
class Block:
    """``block`` / ``rescue`` / ``always``. Its own keywords are already on the tasks inside;
    ``keywords`` keeps them as written, for display."""

    block: tuple[Node, ...]
    span: Span
    rescue: tuple[Node, ...] = ()
    always: tuple[Node, ...] = ()
    name: str | None = None
    keywords: Mapping[str, Any] = field(default_factory=dict)


Node = Task | Block


def iter_tasks(nodes: tuple[Node, ...]) -> list[Task]:
    """Every task in ``nodes``, blocks opened (block, then rescue, then always)."""
    found: list[Task] = []
    for node in nodes:
        if isinstance(node, Block):
            found += iter_tasks(node.block) + iter_tasks(node.rescue) + iter_tasks(node.always)
        else:
            found.append(node)
    return found


@dataclass(frozen=True)
class Role:
    """A role as read from disk: its reference, its tasks and handlers, its dependencies."""

    ref: RoleRef
    tasks: tuple[Node, ...] = ()
    handlers: tuple[Node, ...] = ()
    dependencies: tuple[Role, ...] = ()
    allow_duplicates: bool = False
    #: Two uses with the same key are the same role run (see roles.run_order).
    key: str = field(default="", compare=False)


@dataclass(frozen=True)
class Phase:
    """A run of tasks after which notified handlers are flushed."""

    name: str
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Play:
    """One play. ``role_tasks`` are the tasks of ``roles:`` (dependencies first, each role
    once unless its parameters differ), which run between ``pre_tasks`` and ``tasks``."""

    hosts: str
    span: Span
    path: Path
    name: str | None = None
    #: Conditions of the ``import_playbook`` that brought this play in; they are already
    #: on every task, the engine only uses them to skip fact gathering.
    when: tuple[Condition, ...] = ()
    vars: Mapping[str, Any] = field(default_factory=dict)
    vars_files: tuple[Any, ...] = ()
    gather_facts: bool | Template = True
    pre_tasks: tuple[Node, ...] = ()
    role_tasks: tuple[Node, ...] = ()
    tasks: tuple[Node, ...] = ()
    post_tasks: tuple[Node, ...] = ()
    handlers: tuple[Node, ...] = ()
    roles: tuple[RoleRef, ...] = ()
    tags: frozenset[str] = frozenset()
    serial: tuple[int | str | Template, ...] = ()
    strategy: str = "linear"
    max_fail_percentage: float | Template | None = None
    force_handlers: bool | Template = False
    become: bool | Template | None = None
    become_user: str | None = None
    become_method: str | None = None
    remote_user: str | None = None
    connection: str | None = None
    any_errors_fatal: bool | Template | None = None
    ignore_errors: bool | Template | None = None
    ignore_unreachable: bool | Template | None = None
    check_mode: bool | Template | None = None
    diff: bool | Template | None = None
    no_log: bool | Template | None = None
    run_once: bool | Template | None = None
    environment: tuple[EnvLayer, ...] = ()

    def phases(self) -> tuple[Phase, Phase, Phase]:
        """Ansible's order: pre_tasks | roles then tasks | post_tasks; handlers flush after each."""
        return (
            Phase("pre_tasks", self.pre_tasks),
            Phase("tasks", self.role_tasks + self.tasks),
            Phase("post_tasks", self.post_tasks),
        )

    def sections(self) -> tuple[tuple[Node, ...], ...]:
        """The node lists of :meth:`phases`, in order; handlers are flushed after each."""
        return tuple(phase.nodes for phase in self.phases())


@dataclass(frozen=True)
class Playbook:
    """A playbook file with every ``import_playbook`` inlined."""

    path: Path
    plays: tuple[Play, ...]
