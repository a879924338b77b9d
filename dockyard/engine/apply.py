"""Apply a saved plan, only if the hosts still are as the plan saw them.

``dockyard apply plan.json`` makes the plan again, with the same connections it then
applies with (one connection per host for both)::

    saved plan ── same playbook and inventory? (sha256 of their content)   no -> refuse
        │
    fresh plan (check mode, every host read again)
        │
    compare per host and entry (task, loop item, handler, occurrence):
        the host answers as before (unreachable now?)                       no -> drift
        the same entries, in the same order                                 no -> drift
        fingerprint: the same bytes read by each entry's probe              no -> drift
        digest: the same steps, diffs and status                            no -> drift
        │
    any drift: nothing runs on any host; the drift is reported, host and task
    none: the playbook runs for real; probes read moments ago are used until a
          step runs on the host (``probes.py``), so an unchanged host costs nothing more

What a fingerprint covers. Each entry's probe output in the plan's check-mode run,
i.e. the host *before* any change of the plan. For a task whose probe depends on an
earlier task's change (a file in a directory the plan creates), that is the state the
plan predicted from ("the file is absent"), and it must still hold. An entry whose
arguments are known only after apply (status ``unknown``) read nothing and has no
fingerprint: a change to what it will touch cannot be seen before apply, which the plan
shows by listing it as known after apply. Facts are not fingerprinted; a fact that
changes what a task would do changes its digest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from dockyard.connection.pool import ConnectionPool
from dockyard.engine.events import EventSink
from dockyard.engine.plan import Plan, PlannedTask, PlanSource, make_plan
from dockyard.engine.probes import ProbePool
from dockyard.engine.run import Runner

__all__ = ["EXIT_DRIFT", "ApplyOutcome", "Drift", "apply_plan", "compare_plans", "source_drift"]

EXIT_DRIFT = 3
"""``dockyard apply`` refused: the hosts or the playbook are not as planned; nothing ran."""


@dataclass(frozen=True)
class Drift:
    """One way the hosts (or the playbook) no longer match the saved plan."""

    host: str | None
    reason: str
    task: str | None = None
    span: str | None = None

    def line(self) -> str:
        parts = [f"[{self.host}]"] if self.host else []
        if self.task:
            parts.append(f"task '{self.task}'" + (f" ({self.span})" if self.span else ""))
        return (" ".join(parts) + ": " if parts else "") + self.reason


@dataclass(frozen=True)
class ApplyOutcome:
    """``drift`` non-empty: refused, nothing ran. Otherwise ``exit_code`` is the run's."""

    exit_code: int
    drift: tuple[Drift, ...] = ()
    fresh: Plan | None = None


def compare_plans(saved: Plan, fresh: Plan) -> list[Drift]:
    """Every difference between the plan made then and the plan made now."""
    drift: list[Drift] = []
    for name in saved.hosts.keys() | fresh.hosts.keys():
        before, now = saved.hosts.get(name), fresh.hosts.get(name)
        if before is None or now is None:
            reason = "is in the plan but no longer selected" if now is None else "was not in the plan"
            drift.append(Drift(name, f"host {reason}"))
        elif before.status != now.status:
            drift.append(Drift(name, f"host was {before.status} when planned, is {now.status} now"
                               + (f": {now.message}" if now.message else "")))
        else:
            drift += _compare_tasks(name, before.tasks, now.tasks)
    return sorted(drift, key=lambda d: (d.host or "", _order(saved, d)))


def _order(plan: Plan, drift: Drift) -> int:
    host = plan.hosts.get(drift.host or "")
    spans = [task.span for task in host.tasks] if host else []
    return spans.index(drift.span) if drift.span in spans else -1


def _compare_tasks(host: str, before: Sequence[PlannedTask], now: Sequence[PlannedTask]) -> list[Drift]:
    drift = []
    fresh = {task.key: task for task in now}
    for task in before:
        other = fresh.pop(task.key, None)
        if other is None:
            drift.append(Drift(host, "was planned but would not run now", task.label, task.span))
        elif task.fingerprint != other.fingerprint:
            drift.append(Drift(host, "the host changed since the plan (its probe reads differently)",
                               task.label, task.span))
        elif task.digest != other.digest:
            drift.append(Drift(host, f"would now be {other.status}"
                               + (f" ({_steps(other)})" if other.actions else "")
                               + f"; the plan said {task.status}", task.label, task.span))
    for task in fresh.values():
        drift.append(Drift(host, "would run now but is not in the plan", task.label, task.span))
    return drift


def _steps(task: PlannedTask) -> str:
    return "; ".join(f"{action.action} {action.summary}" for action in task.actions)


def source_drift(saved: PlanSource, current: PlanSource) -> list[Drift]:
    """The playbook or inventory changed since the plan (compared before any host is read)."""
    drift = []
    if saved.playbook_sha256 != current.playbook_sha256:
        drift.append(Drift(None, f"the playbook {current.playbook} changed since the plan was made"))
    if saved.inventory_sha256 != current.inventory_sha256:
        drift.append(Drift(None, "the inventory changed since the plan was made"))
    return drift


def apply_plan(saved: Plan, current: PlanSource, playbook: Any, load_inventory: Callable[[], Any],
               options: Any, *, sink: EventSink, check_sink: EventSink | None = None) -> ApplyOutcome:
    """Plan again; if nothing drifted, run ``playbook`` for real and report through ``sink``.

    ``current``: the source as it is now (its hashes are compared first, before any host
    is read). ``load_inventory()`` is called twice, so that the real run starts from the
    inventory as written, not as the check run's ``add_host``/``group_by`` left it.
    ``check_sink`` sees the events of the new plan (progress).
    """
    drift = source_drift(saved.source, current)
    if drift:
        return ApplyOutcome(EXIT_DRIFT, tuple(drift))
    inventory = load_inventory()
    pool = ProbePool(ConnectionPool(inventory.get_vars, options.connection))
    try:
        fresh = make_plan(playbook, inventory, options, saved.source, sink=check_sink, pool=pool)
        drift = compare_plans(saved, fresh)
        if drift:
            return ApplyOutcome(EXIT_DRIFT, tuple(drift), fresh)
        # With diff on, as the plan was made: the probes are then the same (copy reads a file's
        # content for its diff) and the ones read a moment ago serve again.
        real = replace(options, check=False, diff=True)
        code = Runner(playbook, load_inventory(), real, sink, pool).run()
        return ApplyOutcome(code, (), fresh)
    finally:
        pool.close()
