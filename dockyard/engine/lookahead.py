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

Steps ahead (:func:`steps_ahead`): when a task's last step runs, the steps of the next
tasks go along in the same command when nothing but the host's state links them. The next
task's step is made now, from its probe's output as the cache has it (the host before this
step); on the host it runs only if every step before it exited 0 and its probe still reads
the same (``batch.GuardedStep``), which is what the task would have found in its own turn.
So that the same tasks would run in the same order with the same arguments, every task
before a step that runs ahead must be unable to change anything but the host:

* its module opts in (``HostModule.steps_run_ahead``: its steps are made from its probe and
  arguments alone, it fails exactly when a step exits non-zero, it returns no facts);
* no ``register``, ``failed_when``, ``until``, loop, ``delegate_to``, ``run_once`` or
  ``any_errors_fatal`` (task or play), and the same become, not in check mode;

and the task whose step runs ahead must have one step, with no stdin (file contents stay
off command lines) and nothing secret in it. ``DOCKYARD_NO_STEPS_AHEAD=1`` turns it off.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from dockyard.connection.base import Become, CommandResult
from dockyard.engine.batch import GuardedStep, ProbeRequest
from dockyard.engine.loops import iteration_vars, loop_items
from dockyard.engine.probes import LOOKAHEAD_MAX
from dockyard.engine.task import ModuleCall, TaskRun, conditions_hold, prepare_call
from dockyard.modules.args import validate_module_args
from dockyard.modules.base import HostModule
from dockyard.modules.registry import find_module
from dockyard.playbook.model import LoopControl

__all__ = ["STEPS_AHEAD_MAX", "STOPS_LOOKAHEAD", "steps_ahead", "upcoming_probes"]

STOPS_LOOKAHEAD = frozenset({
    "set_fact", "include_vars", "add_host", "group_by", "include_tasks", "include_role",
    "import_tasks", "import_role", "meta", "setup", "gather_facts", "pause", "wait_for",
    "wait_for_connection", "reboot",
})
"""Modules after which (and at which) no probe is sent ahead."""

Probe = tuple[ProbeRequest, Become | None]

STEPS_AHEAD_MAX = 8
"""At most this many next tasks' steps go with one step."""


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
    found = _probe_now(run, templar, variables)
    return [] if found is None else [(found[2], run.become)]


def _probe_now(run: TaskRun, templar: Any, variables: Any) -> tuple[ModuleCall, Any, ProbeRequest] | None:
    """The task's module call, its validated arguments and the probe it would send now; None
    when its ``when`` does not hold, or it is not a host module whose probe may be batched,
    or it reads nothing."""
    if conditions_hold(run, templar) is not None:
        return None
    call = prepare_call(run, templar, variables)
    if not isinstance(call.module, HostModule) or not call.module.is_probe_batchable:
        return None
    args = validate_module_args(type(call.module), call.args)
    probe = call.module.probe(args, call.ctx)
    return None if probe is None else (call, args, ProbeRequest.of(probe, call.env))


def steps_ahead(task: Any, play: Any, upcoming: Sequence[Any], task_run: Callable[[Any], TaskRun],
                peek: Callable[[ProbeRequest, Become | None], CommandResult | None],
                become: Become | None) -> list[GuardedStep]:
    """The steps of the tasks after ``task`` (whose last step is about to run with ``become``)
    that may go in the same command, in order (see the module docs); ``peek`` gives a probe's
    cached output. The first task that does not qualify, or has nothing to do (a guard would
    be needed that it still has nothing to do), ends the list."""
    if os.environ.get("DOCKYARD_NO_STEPS_AHEAD") or _truthy(getattr(play, "any_errors_fatal", None)):
        return []
    found: list[GuardedStep] = []
    for before, each in zip([task, *upcoming], upcoming, strict=False):
        if len(found) >= STEPS_AHEAD_MAX or not _may_lead(before) or not _may_follow(each):
            break
        try:
            made = _step_made_now(task_run(each), peek, become)
        except Exception:  # anything that fails here fails again, in its place, when the task runs
            break
        if made is None:
            break
        found.append(made)
    return found


def _truthy(value: Any) -> bool:
    """A keyword that is set (a template counts as set: it may be true)."""
    return value is not None and value is not False


def _module_opts_in(task: Any) -> bool:
    module = find_module(str(task.module))
    return module is not None and issubclass(module, HostModule) and module.steps_run_ahead


def _may_follow(task: Any) -> bool:
    return (_module_opts_in(task) and task.loop is None and not task.until and not task.delegate_to
            and not _truthy(task.run_once) and not _truthy(task.any_errors_fatal) and not _truthy(task.check_mode)
            and not _truthy(task.no_log))


def _may_lead(task: Any) -> bool:
    """Can this task change nothing that the tasks after it do, except through the host? (Its
    result is judged after its step has run: ``failed_when``, and ``changed_when``, which can
    fail the task too, when it cannot be templated.)"""
    return _may_follow(task) and not task.register and not task.failed_when and not task.changed_when


def _step_made_now(run: TaskRun, peek: Callable[[ProbeRequest, Become | None], CommandResult | None],
                   become: Become | None) -> GuardedStep | None:
    """The task's one step as the cache has the host, or None: it cannot go ahead (other
    become, a skip, no probe or no cached output, no step or several, stdin)."""
    if run.check or run.become != become:
        return None
    found = _probe_now(run, run.templar_for(run.variables), run.variables)
    if found is None or found[0].target != run.host:
        return None
    call, args, request = found
    module = call.module
    seen = peek(request, become)
    if seen is None:
        return None
    steps = module.steps(module.parse(args, seen, call.ctx), module.desired(args, call.ctx), args)
    if len(steps) != 1 or steps[0].stdin or steps[0].sensitive or not steps[0].command:
        return None
    return GuardedStep(request, seen, ProbeRequest.of(steps[0].command, call.env), made=steps[0], owner=run.task)
