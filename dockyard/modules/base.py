"""The module contract: read, plan, act — with the plan pure and the acting generic.

A host module answers four questions, and only the first touches the host (read-only)::

    probe(args, ctx)                -> shell text that prints the current state (or None)
    parse(args, output, ctx)        -> State   what the host has now
    desired(args, ctx)              -> State   what the task declares
    steps(current, desired, args)   -> [Step]  the difference; pure, no I/O; [] means ok

The engine runs the probe, parses it, computes the steps; check mode stops there and
reports them, apply runs each step's command. No module has a check-mode branch, so
``--check``, ``--diff`` and ``plan`` are right for every module by construction.
``result()`` shapes what ``register:`` sees, with Ansible's field names.

Probes are plain shell text so that the engine can batch the probes of several tasks
into one round trip (see docs). They must be read-only and print something parseable
even when the thing is absent.

Controller modules (``debug``, ``set_fact``, ``assert``, ...) never touch a host; they
subclass :class:`ControllerModule` and compute their result from arguments and variables.

Resource modules (``vm``) manage something behind an API the controller calls (libvirt,
OpenStack). They have the same read / desired / pure steps shape, with reading and acting
done in Python (:class:`ResourceModule`), so check mode and plans are exact for them too.
"""

from __future__ import annotations

import shlex
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from dockyard.connection.base import CommandResult, Connection
from dockyard.errors import ModuleError
from dockyard.modules.step import Action, Diff, Step

__all__ = [
    "Action",
    "ControllerModule",
    "Diff",
    "HostModule",
    "Module",
    "ModuleContext",
    "ResourceModule",
    "Step",
    "q",
]

A = TypeVar("A")
S = TypeVar("S")


def q(value: object) -> str:
    """Quote one value for the target's shell."""
    return shlex.quote(str(value))


@dataclass(frozen=True)
class ModuleContext:
    """What a module may know about where it runs, besides its arguments."""

    host: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    variables: Mapping[str, Any] = field(default_factory=dict)
    search_paths: Sequence[Path] = ()
    render: Callable[[str], str] = str
    #: Renders a whole template file, with keywords ``path``, ``dest``, ``trim_blocks``,
    #: ``lstrip_blocks`` (the engine passes its templar's ``render_text``); None: ``render``.
    render_file: Callable[..., str] | None = None
    condition: Callable[[Any], bool] = bool
    diff: bool = False
    check: bool = False
    #: Reports one line of progress of long work (a VM booting); the CLI shows it.
    progress: Callable[[str], None] = field(default=lambda _line: None)
    #: Opens the host's connection (``connect(timeout=None)``; raises ConnectError). For the
    #: controller modules that manage the connection themselves (wait_for_connection).
    connect: Callable[..., Connection] | None = None

    def find_file(self, name: str, subdir: str = "files") -> Path:
        """Find a controller-side file the way Ansible does: role/playbook dirs, then as given."""
        path = Path(name).expanduser()
        if path.is_absolute():
            if path.exists():
                return path
        else:
            for base in self.search_paths:
                for candidate in (base / subdir / name, base / name):
                    if candidate.exists():
                        return candidate
        searched = ", ".join(str(base / subdir) for base in self.search_paths) or "."
        raise ModuleError(f"could not find '{name}' on the controller", host=self.host,
                          hint=f"looked in {searched}")


class Module(ABC):
    """Common to every module: its names and its argument type."""

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    Args: ClassVar[type[Any]]
    exclusive: ClassVar[tuple[tuple[str, ...], ...]] = ()
    one_of: ClassVar[tuple[tuple[str, ...], ...]] = ()
    #: Can this module's outcome be predicted in check mode? (``command`` cannot.)
    predictable: ClassVar[bool] = True
    #: May the engine send this module's probe ahead, with other tasks' probes, and reuse its
    #: output until the host changes? (Not for probes that wait for something: ``wait_for``.)
    is_probe_batchable: ClassVar[bool] = True
    #: Arguments the engine must not template (conditions evaluated by the module, e.g. assert's that).
    raw_args: ClassVar[tuple[str, ...]] = ()
    #: Accepts any argument names (set_fact); ``Args`` then receives them as one mapping.
    any_args: ClassVar[bool] = False
    #: Its result's ``ansible_facts`` are variables (set_fact), not host facts (setup, hostname):
    #: they then outrank play and inventory variables instead of ranking as facts.
    returns_variables: ClassVar[bool] = False
    #: Result fields that are secrets (swarm join tokens): ``register:`` gets them, output
    #: (console, ``-v``, JSON events) shows them masked, even without ``no_log``.
    secret_results: ClassVar[tuple[str, ...]] = ()


class HostModule(Module, Generic[A, S]):
    """A module that reads and changes a host."""

    #: May the engine make this module's step before the task's turn, from its probe's output
    #: as cached, and run it in the previous task's command behind a guard (``lookahead.py``)?
    #: Only if its steps come from its probe and arguments alone, it fails exactly when a step
    #: exits non-zero, and it returns no facts.
    steps_run_ahead: ClassVar[bool] = False

    @abstractmethod
    def probe(self, args: A, ctx: ModuleContext) -> str | None:
        """Read-only shell text whose output :meth:`parse` understands; None = no read needed."""

    @abstractmethod
    def parse(self, args: A, output: CommandResult | None, ctx: ModuleContext) -> S:
        """The host's current state, from the probe's output."""

    @abstractmethod
    def desired(self, args: A, ctx: ModuleContext) -> S:
        """The state the task declares."""

    @abstractmethod
    def steps(self, current: S, desired: S, args: A) -> list[Step]:
        """The steps that turn ``current`` into ``desired``. Pure: no I/O."""

    def result(
        self, args: A, current: S, desired: S, steps: Sequence[Step], ran: Sequence[CommandResult]
    ) -> dict[str, Any]:
        """Fields for ``register:`` besides changed/failed/diff (Ansible's names)."""
        return {}

    def check_failure(self, step: Step, result: CommandResult) -> str | None:
        """A message when ``result`` means the step failed; default: non-zero exit code."""
        if result.rc == 0:
            return None
        return f"{step.summary} failed (rc={result.rc}): {result.tail()}"

    def failure_result(self, args: A, step: Step, result: CommandResult) -> dict[str, Any]:
        """Fields added to a failed step's result (after failed/msg/rc/stdout/stderr).

        ``command`` adds ``stdout_lines``, ``cmd``, ``delta``, ... as Ansible does on failure.
        """
        return {}


class ControllerModule(Module):
    """A module that runs on the controller only and never touches a host.

    ``check`` in the context is for the few that must know (``pause`` does not sleep in
    check mode); their results are the same either way.
    """

    @abstractmethod
    def execute(self, args: Any, ctx: ModuleContext) -> dict[str, Any]:
        """The task's result (Ansible's fields: changed, failed, msg, ...)."""


class ResourceModule(Module, Generic[A, S]):
    """A module whose resource lives behind an API the controller calls (a VM, a server).

    Same contract as :class:`HostModule`: ``read`` is read-only, ``steps`` is pure, and only
    ``apply`` changes anything. ``apply`` gets all the steps at once so that it may work on
    several resources in parallel; it raises a DockyardError when a step fails.
    """

    @abstractmethod
    def read(self, args: A, ctx: ModuleContext) -> S:
        """The resource's current state (read-only API calls)."""

    @abstractmethod
    def desired(self, args: A, ctx: ModuleContext) -> S:
        """The state the task declares."""

    @abstractmethod
    def steps(self, current: S, desired: S, args: A) -> list[Step]:
        """The steps that turn ``current`` into ``desired``. Pure: no I/O."""

    @abstractmethod
    def apply(self, args: A, steps: Sequence[Step], ctx: ModuleContext) -> dict[str, Any]:
        """Carry out ``steps``; return result fields known only now (addresses, ids)."""

    def result(self, args: A, current: S, desired: S, steps: Sequence[Step]) -> dict[str, Any]:
        """Fields for ``register:`` besides changed/failed/diff, in check mode and after apply."""
        return {}
