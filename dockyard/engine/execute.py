"""One module on one host: read, plan, and (unless checking) act.

This is the only place where a module's steps meet a connection::

    probe  -> conn.run(probe)          read-only, one round trip (or none)
    parse  -> current state
    steps  -> pure difference           [] = ok
    check  -> stop here, report the steps as the change that would happen
    apply  -> conn.run(step.command, stdin=step.stdin) for each step, in order; the last
              one takes the next tasks' probes along (``probes.run_step``)

Resource modules (VMs) read and apply through their provider's API instead of a
connection, with the same stop-before-acting in check mode.

The result uses Ansible's fields (``changed``, ``failed``, ``msg``, ``diff``, ...) plus the
module's own, so that ``register:`` and ``when:`` work as in Ansible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dockyard.connection.base import Become, CommandResult, Connection
from dockyard.engine.batch import ProbeRequest
from dockyard.engine.probes import RanAheadOtherwise, read_probe, run_step
from dockyard.errors import DockyardError, ModuleError
from dockyard.modules.args import validate_module_args
from dockyard.modules.base import (
    ControllerModule,
    HostModule,
    Module,
    ModuleContext,
    ResourceModule,
    Step,
)
from dockyard.modules.registry import find_module, unknown_module_hint

__all__ = ["ModuleOutcome", "execute_module", "load_module", "ran_ahead_result"]


@dataclass(frozen=True)
class ModuleOutcome:
    """What happened (or would happen, in check mode) when a module met a host."""

    result: dict[str, Any]
    steps: tuple[Step, ...] = ()
    ran: tuple[CommandResult, ...] = ()
    probe_ran: bool = False
    probe: str | None = None
    probe_output: CommandResult | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.result.get("changed"))

    @property
    def failed(self) -> bool:
        return bool(self.result.get("failed"))


def load_module(name: str) -> Module:
    cls = find_module(name)
    if cls is None:
        raise ModuleError(f"unknown module '{name}'", hint=unknown_module_hint(name))
    return cls()


def _diff_entries(steps: list[Step]) -> list[dict[str, str]]:
    return [
        {"before": step.diff.before, "after": step.diff.after,
         "before_header": step.diff.before_header, "after_header": step.diff.after_header}
        for step in steps if step.diff is not None and not step.sensitive
    ]


def execute_module(
    module: Module,
    raw_args: Mapping[str, Any],
    conn: Connection | None,
    ctx: ModuleContext,
    *,
    check: bool = False,
    become: Become | None = None,
    env: dict[str, str] | None = None,
) -> ModuleOutcome:
    """Run ``module`` with templated ``raw_args`` against ``conn``; check mode stops before acting."""
    args = validate_module_args(type(module), raw_args)
    if isinstance(module, ControllerModule):
        return ModuleOutcome(result=module.execute(args, ctx))
    if isinstance(module, ResourceModule):
        return _execute_resource(module, args, ctx, check=check)
    if not isinstance(module, HostModule):
        raise TypeError(f"{type(module).__name__} is neither a host nor a controller module")
    if conn is None:
        raise ModuleError(f"module '{module.name}' needs a connection to {ctx.host}", host=ctx.host)
    probe = module.probe(args, ctx)
    try:
        output = None if probe is None else read_probe(conn, probe, become=become, env=env,
                                                       batchable=module.is_probe_batchable)
        current = module.parse(args, output, ctx)
        desired = module.desired(args, ctx)
        steps = module.steps(current, desired, args)
        result = _planned_result(steps, ctx.diff)
        ran: list[CommandResult] = []
        if not check:
            done = None if probe is None else ProbeRequest.of(probe, env)
            for index, step in enumerate(steps):
                if index == len(steps) - 1:
                    outcome = run_step(conn, step.command, stdin=step.stdin or None, become=become, env=env, done=done)
                else:
                    outcome = conn.run(step.command, stdin=step.stdin or None, become=become, env=env)
                ran.append(outcome)
                if _failed(module, args, step, outcome, result):
                    break
    except RanAheadOtherwise as ahead:
        return _ran_ahead_otherwise(module, args, ctx, ahead, probe)
    if not result["failed"]:
        result.update(module.result(args, current, desired, steps, ran))
    return ModuleOutcome(result=result, steps=tuple(steps), ran=tuple(ran), probe_ran=probe is not None,
                         probe=probe, probe_output=output)


def _failed(module: HostModule[Any, Any], args: Any, step: Step, outcome: CommandResult,
            result: dict[str, Any]) -> bool:
    """Put a failed step's fields into ``result``; whether it failed."""
    problem = module.check_failure(step, outcome)
    if problem is None:
        return False
    result.update(failed=True, msg=problem, rc=outcome.rc, stderr=outcome.error_text(), stdout=outcome.text())
    result.update(module.failure_result(args, step, outcome))
    return True


RAN_AHEAD_OTHERWISE = ("its step ran in the previous task's command, with its arguments as they were "
                       "templated then; they template differently now, and were not applied")


def _ran_ahead_otherwise(module: HostModule[Any, Any], args: Any, ctx: ModuleContext, ahead: RanAheadOtherwise,
                         probe: str | None) -> ModuleOutcome:
    """The task's step ran ahead, made a moment before the task templated its arguments again,
    and the two differ (``now()``, ``random``, a lookup): the step that ran is the task's change."""
    steps = [ahead.step] if ahead.step is not None else []
    result = ran_ahead_result(module, args, steps, ahead.result, diff=ctx.diff)
    return ModuleOutcome(result=result, steps=tuple(steps), ran=(ahead.result,), probe_ran=probe is not None,
                         probe=probe)


def ran_ahead_result(module: HostModule[Any, Any], args: Any, steps: list[Step], ran: CommandResult, *,
                     diff: bool) -> dict[str, Any]:
    """The result of a task whose step ran ahead and that did not take it as made (its
    arguments, or its ``when``, template otherwise in its turn): that step is its change."""
    result = _planned_result(steps, diff)
    if steps:
        _failed(module, args, steps[0], ran, result)
    result["msg"] = f"{result['msg']} ({RAN_AHEAD_OTHERWISE})" if result.get("msg") else RAN_AHEAD_OTHERWISE
    result["ran_ahead"] = True
    return result


def _planned_result(steps: list[Step], diff: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"changed": bool(steps), "failed": False}
    if diff and (diffs := _diff_entries(steps)):
        result["diff"] = diffs[0] if len(diffs) == 1 else diffs
    return result


def _execute_resource(module: ResourceModule[Any, Any], args: Any, ctx: ModuleContext, *, check: bool) -> ModuleOutcome:
    current = module.read(args, ctx)
    desired = module.desired(args, ctx)
    steps = module.steps(current, desired, args)
    result = _planned_result(steps, ctx.diff)
    result.update(module.result(args, current, desired, steps))
    if not check and steps:
        try:
            result.update(module.apply(args, steps, ctx))
        except DockyardError as error:
            hint = f" (hint: {error.hint})" if error.hint else ""
            result.update(failed=True, msg=error.message + hint)
    return ModuleOutcome(result=result, steps=tuple(steps))
