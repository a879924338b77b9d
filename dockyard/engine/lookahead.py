"""Which probes the next tasks of a host will send, worked out before they run.

When a task's probe misses the host's cache (``probes.py``), the probes of the tasks
that follow it go out in the same command. This file finds them: it templates each
following task as the task itself will when its turn comes, and stops at the first
task whose probe cannot be known now:

* a task whose arguments, ``when`` or loop cannot be templated yet (they use a result
  registered in between, or a value known only after apply);
* a task that changes variables or the task list (``set_fact``, ``include_*``,
  ``add_host``, ``group_by``, ``meta``...), or that runs elsewhere (``delegate_to``,
  ``run_once``), or whose probe waits (``wait_for``).

Getting it wrong costs a probe read for nothing, never a wrong result: the cache only
answers a probe whose text, become and environment are exactly the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from dockyard.connection.base import Become
from dockyard.engine.batch import ProbeRequest
from dockyard.engine.loops import iteration_vars, loop_items
from dockyard.engine.probes import LOOKAHEAD_MAX
from dockyard.engine.task import TaskRun, conditions_hold, prepare_call
from dockyard.modules.args import validate_module_args
from dockyard.modules.base import HostModule
from dockyard.playbook.model import LoopControl

__all__ = ["STOPS_LOOKAHEAD", "upcoming_probes"]

STOPS_LOOKAHEAD = frozenset({
    "set_fact", "include_vars", "add_host", "group_by", "include_tasks", "include_role",
    "import_tasks", "import_role", "meta", "setup", "gather_facts", "pause", "wait_for",
    "wait_for_connection", "reboot",
})
"""Modules after which (and at which) no probe is sent ahead."""

Probe = tuple[ProbeRequest, Become | None]


def upcoming_probes(tasks: Sequence[Any], task_run: Callable[[Any], TaskRun],
                    limit: int = LOOKAHEAD_MAX) -> list[Probe]:
    """The probes of ``tasks`` (the current one first), in order, until one cannot be known.

    ``task_run(task)`` gives the :class:`TaskRun` the engine would use for the task on
    this host now (its variables as they are at this moment).
    """
    found: list[Probe] = []
    for task in tasks:
        if len(found) >= limit or _stops(task):
            break
        try:
            found += _task_probes(task_run(task))
        except Exception:  # anything that fails here fails again, in its place, when the task runs
            break
    return found[:limit]


def _stops(task: Any) -> bool:
    name = str(task.module).rsplit(".", 1)[-1]
    return name in STOPS_LOOKAHEAD or bool(task.delegate_to) or bool(getattr(task, "run_once", False))


def _task_probes(run: TaskRun) -> list[Probe]:
    templar = run.templar_for(run.variables)
    if run.task.loop is None:
        return _probe(run, templar, run.variables)
    control = run.task.loop_control or LoopControl()
    items = loop_items(run.task, templar)
    found: list[Probe] = []
    for index in range(len(items)):
        variables = {**run.variables, **iteration_vars(control, templar, items, index)}
        found += _probe(run, run.templar_for(variables), variables)
    return found


def _probe(run: TaskRun, templar: Any, variables: Any) -> list[Probe]:
    if conditions_hold(run, templar) is not None:
        return []
    call = prepare_call(run, templar, variables)
    if not isinstance(call.module, HostModule) or not call.module.is_probe_batchable:
        return []
    probe = call.module.probe(validate_module_args(type(call.module), call.args), call.ctx)
    if probe is None:
        return []
    return [(ProbeRequest.of(probe, call.env), run.become)]
