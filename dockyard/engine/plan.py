"""A plan as data: per host and task, what a run would change, and what it read to say so.

A plan is a check-mode run, recorded. :func:`make_plan` runs the playbook with
``check`` and ``diff`` on, and :class:`PlanRecorder` (an event sink) turns each host's
results into :class:`PlannedTask` entries::

    plan = make_plan(playbook, inventory, options, source)
    plan.summary().line()          # "12 to change on 4 hosts, 0 unreachable"
    plan.hosts["web1"].tasks[3]    # PlannedTask(task="config", status="changed", actions=(...))

Each entry keeps a *fingerprint* (sha256 of what its probe read from the host) and a
*digest* (sha256 of what it would do); ``dockyard apply`` makes the plan again and
compares both (``apply.py``). Rendering (console, markdown) is the CLI's job; the JSON
file format is ``planfile.py``'s.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from dockyard.engine.events import EventSink, HostResult, PlayRecap, PlayStarted, TaskStarted
from dockyard.engine.run import Runner
from dockyard.modules.step import Step
from dockyard.source import Span

__all__ = ["HostPlan", "Plan", "PlanRecorder", "PlanSource", "PlanSummary", "PlannedAction",
           "PlannedTask", "make_plan"]

CHANGING = ("changed", "unknown")


@dataclass(frozen=True)
class PlannedAction:
    """One step a task would take: create/update/delete/run, what, and the diff to show."""

    action: str
    summary: str
    diff: str | None = None


@dataclass(frozen=True)
class PlannedTask:
    """One task (or loop item) on one host, as the plan sees it.

    ``status``: ok, changed, unknown (its arguments are known only after apply),
    skipped, failed or unreachable. ``known_after_apply``: the outcome cannot be
    predicted (a ``command`` runs; or ``status`` is unknown); ``depends_on`` then names
    the task that produces the missing value, when there is one.
    """

    task: str
    host: str
    status: str
    span: str | None = None
    module: str = ""
    item: str | None = None
    handler: bool = False
    play: str = ""
    actions: tuple[PlannedAction, ...] = ()
    known_after_apply: bool = False
    reason: str = ""
    depends_on: str | None = None
    message: str = ""
    fingerprint: str = ""
    digest: str = ""
    occurrence: int = 0

    @property
    def changes(self) -> bool:
        """Would apply change (or, known after apply, possibly change) something?"""
        return self.status in CHANGING

    @property
    def key(self) -> tuple[str | None, str | None, bool, int]:
        """What identifies this entry in another plan of the same playbook for the same host."""
        return (self.span, self.item, self.handler, self.occurrence)

    @property
    def label(self) -> str:
        item = f" (item={self.item})" if self.item is not None else ""
        return f"{self.task}{item}"


def plan_digest(status: str, actions: tuple[PlannedAction, ...], known_after_apply: bool) -> str:
    """sha256 of what an entry would do, to tell whether a fresh plan says the same."""
    data = json.dumps([status, known_after_apply, [[a.action, a.summary, a.diff] for a in actions]])
    return hashlib.sha256(data.encode()).hexdigest()


@dataclass
class HostPlan:
    """The plan for one host: its entries in run order, and whether it could be read."""

    host: str
    status: str = "ok"  # ok | failed | unreachable
    message: str = ""
    tasks: list[PlannedTask] = field(default_factory=list)

    def changes(self) -> list[PlannedTask]:
        return [task for task in self.tasks if task.changes]


@dataclass(frozen=True)
class PlanSource:
    """What the plan was made from, so that ``apply`` makes it again from the same."""

    playbook: str
    playbook_sha256: str
    inventory: tuple[str, ...]
    inventory_sha256: str
    limit: str | None = None
    tags: tuple[str, ...] = ()
    skip_tags: tuple[str, ...] = ()
    extra_vars: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanSummary:
    to_change: int
    hosts_changing: int
    known_after_apply: int
    actions: dict[str, int]
    failed: int
    unreachable: int

    def line(self) -> str:
        """``12 to change on 4 hosts, 0 unreachable``, with the details that apply."""
        hosts = f"{self.hosts_changing} host" + ("" if self.hosts_changing == 1 else "s")
        text = f"{self.to_change} to change on {hosts}"
        if self.known_after_apply:
            text += f" ({self.known_after_apply} known after apply)"
        if self.failed:
            text += f", {self.failed} failed"
        return text + f", {self.unreachable} unreachable"


@dataclass
class Plan:
    source: PlanSource
    hosts: dict[str, HostPlan] = field(default_factory=dict)
    created: str = ""
    dockyard_version: str = ""

    def entries(self) -> Iterator[PlannedTask]:
        for host in self.hosts.values():
            yield from host.tasks

    def has_changes(self) -> bool:
        return any(task.changes for task in self.entries())

    def has_errors(self) -> bool:
        return any(host.status != "ok" for host in self.hosts.values())

    def summary(self) -> PlanSummary:
        changing = [task for task in self.entries() if task.changes]
        actions: Counter[str] = Counter(action.action for task in changing for action in task.actions)
        return PlanSummary(
            to_change=len(changing),
            hosts_changing=len({task.host for task in changing}),
            known_after_apply=sum(1 for task in changing if task.known_after_apply),
            actions={name: actions[name] for name in ("create", "update", "delete", "run")},
            failed=sum(1 for host in self.hosts.values() if host.status == "failed"),
            unreachable=sum(1 for host in self.hosts.values() if host.status == "unreachable"),
        )


def _actions(steps: tuple[Step, ...], no_log: bool) -> tuple[PlannedAction, ...]:
    return tuple(
        PlannedAction(step.action.value, step.summary,
                      None if step.diff is None or step.sensitive or no_log else step.diff.unified())
        for step in steps
    )


class PlanRecorder:
    """An event sink that builds a :class:`Plan` from a check-mode run (and passes events on)."""

    def __init__(self, source: PlanSource, inner: EventSink | None = None) -> None:
        self.plan = Plan(source)
        self._base = os.path.dirname(os.path.abspath(source.playbook))
        self.inner = inner
        self._handler = False
        self._play = ""
        self._seen: Counter[tuple[str, str | None, str | None, bool]] = Counter()

    def emit(self, event: object) -> None:
        if isinstance(event, PlayStarted):
            self._play = event.name or event.pattern
            for host in event.hosts:
                self.plan.hosts.setdefault(host, HostPlan(host))
        elif isinstance(event, TaskStarted):
            self._handler = event.is_handler
        elif isinstance(event, HostResult):
            self._record(event)
        elif isinstance(event, PlayRecap):
            for name, counts in event.stats.items():
                entry = self.plan.hosts.setdefault(name, HostPlan(name))
                entry.status = "unreachable" if counts["unreachable"] else "failed" if counts["failed"] else "ok"
        if self.inner is not None:
            self.inner.emit(event)

    def _span(self, span: Span) -> str:
        """Where a task is written, relative to the playbook's directory (as the plan shows it,
        and the same wherever ``plan`` and ``apply`` run from)."""
        path = os.path.relpath(os.path.abspath(span.file), self._base)
        return str(replace(span, file=path))

    def _record(self, event: HostResult) -> None:
        host = self.plan.hosts.setdefault(event.host, HostPlan(event.host))
        if event.status in ("unreachable", "failed") and not event.ignored:
            host.message = event.message or str(event.result.get("msg", ""))
        if event.span is None and event.status == "ok":
            return  # gathering facts: nothing to plan
        span = None if event.span is None else self._span(event.span)
        seen = (event.host, span, event.item_label, self._handler)
        self._seen[seen] += 1
        actions = _actions(event.steps, event.no_log)
        known_after = event.status == "unknown" or bool(event.unknown_reason)
        entry = PlannedTask(
            task=event.task, host=event.host, status=event.status, span=span, module=event.module,
            item=event.item_label, handler=self._handler, play=self._play, actions=actions,
            known_after_apply=known_after, reason=event.unknown_reason, depends_on=event.depends_on,
            message=event.message if event.status in ("failed", "unreachable") else "",
            fingerprint=event.fingerprint, occurrence=self._seen[seen] - 1,
        )
        host.tasks.append(replace(entry, digest=plan_digest(entry.status, actions, known_after)))


def make_plan(playbook: Any, inventory: Any, options: Any, source: PlanSource, *,
              sink: EventSink | None = None, pool: Any = None) -> Plan:
    """Run ``playbook`` in check mode (with diffs) and return what it would do, per host."""
    recorder = PlanRecorder(source, sink)
    Runner(playbook, inventory, replace(options, check=True, diff=True), recorder, pool).run()
    return recorder.plan
