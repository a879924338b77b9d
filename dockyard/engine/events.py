"""What the engine tells the world while it runs. The engine never prints; a sink renders.

Events are frozen dataclasses; ``cli/output.py`` draws them for a console or writes them as
JSON lines. Every event has a ``kind`` used as the JSON ``event`` field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from dockyard.modules.step import Step
from dockyard.source import Span

__all__ = [
    "RECAP_FIELDS",
    "STATUSES",
    "EventSink",
    "HostProgress",
    "HostResult",
    "PlayRecap",
    "PlayStarted",
    "RunFinished",
    "TaskStarted",
    "Warning",
]

#: A host's outcome for one task. ``unknown``: check mode could not predict it ("known after apply").
STATUSES = ("ok", "changed", "skipped", "failed", "unreachable", "unknown")


@dataclass(frozen=True)
class PlayStarted:
    name: str
    pattern: str
    hosts: tuple[str, ...]
    check: bool = False
    kind: str = "play_started"


@dataclass(frozen=True)
class TaskStarted:
    name: str
    span: Span | None
    hosts: tuple[str, ...]
    is_handler: bool = False
    kind: str = "task_started"


@dataclass(frozen=True)
class HostResult:
    """One host's outcome for one task (or one loop item when ``item`` is set)."""

    host: str
    task: str
    status: str
    span: Span | None = None
    module: str = ""
    result: Mapping[str, Any] = field(default_factory=dict)
    steps: tuple[Step, ...] = ()
    item_label: str | None = None
    message: str = ""
    ignored: bool = False
    no_log: bool = False
    delegated_to: str | None = None
    #: sha256 of what the task read from the host (``dockyard apply`` compares it); "" if nothing.
    fingerprint: str = ""
    #: Why check mode cannot tell this outcome ("known after apply"); "" when it can.
    unknown_reason: str = ""
    #: Status ``unknown``: the task whose result this one needs.
    depends_on: str | None = None
    kind: str = "host_result"


@dataclass(frozen=True)
class HostProgress:
    """One line about long work still going on for a host (a VM booting, SSH not up yet)."""

    host: str
    message: str
    kind: str = "host_progress"


@dataclass(frozen=True)
class Warning:
    message: str
    host: str | None = None
    span: Span | None = None
    kind: str = "warning"


RECAP_FIELDS = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")


@dataclass(frozen=True)
class PlayRecap:
    """Counts per host over the whole run: ok, changed, unreachable, failed, skipped, rescued, ignored."""

    stats: Mapping[str, Counter[str]]
    kind: str = "play_recap"

    def table(self) -> dict[str, dict[str, int]]:
        """Every host with every count, zeros included."""
        return {host: {name: counts[name] for name in RECAP_FIELDS} for host, counts in self.stats.items()}


@dataclass(frozen=True)
class RunFinished:
    exit_code: int
    unpredictable: tuple[str, ...] = ()
    kind: str = "run_finished"


class EventSink(Protocol):
    def emit(self, event: object) -> None: ...
