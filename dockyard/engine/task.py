"""One task on one host: conditions, loop, templating, the module, retries, registration.

The run loop (``run.py``) calls :func:`run_task` for every host of a task in parallel.
Everything host-specific happens here; nothing here knows about other hosts except
through the shared :class:`RunState`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dockyard.connection.base import Become, Connection
from dockyard.connection.shell import valid_env_name
from dockyard.engine.execute import ModuleOutcome, execute_module, load_module
from dockyard.engine.loops import iteration_vars, loop_items
from dockyard.engine.pending import WAVE, PendingChanges, declares_no_change, target_paths
from dockyard.engine.probes import ProbingConnection
from dockyard.errors import ConnectError, DockyardError, PlaybookError
from dockyard.modules.base import ControllerModule, ModuleContext, ResourceModule, Step
from dockyard.playbook.model import LoopControl, Task, Template
from dockyard.playbook.unknown import UnknownValueError

__all__ = ["ModuleCall", "TaskOutcome", "TaskRun", "aggregate", "conditions_hold", "prepare_call",
           "probe_fingerprint", "run_task"]


@dataclass
class TaskOutcome:
    """A host's outcome for a task: the status, the registered result, and what to show."""

    status: str
    result: dict[str, Any]
    steps: tuple[Step, ...] = ()
    items: list[TaskOutcome] = field(default_factory=list)
    item_label: str | None = None
    message: str = ""
    ignored: bool = False
    unknown_reason: str = ""
    delegated_to: str | None = None
    #: What the module read from the host (see :func:`probe_fingerprint`); "" when nothing.
    fingerprint: str = ""
    #: "known after apply": the task that registers the value this one needs.
    depends_on: str | None = None


@dataclass
class TaskRun:
    """What one task needs from the run, per host: variables, connection, become, settings."""

    task: Task
    host: str
    variables: Mapping[str, Any]
    templar_for: Callable[[Mapping[str, Any]], Any]
    connection: Callable[..., Connection]
    """``connection(name, timeout=None)``: the host's connection, opened."""
    become: Become | None
    check: bool
    diff: bool
    unknown_type: type
    omit: str = "__omit_place_holder__"
    progress: Callable[[str], None] = lambda _line: None
    #: Check mode: the paths earlier tasks would change on a host (see ``pending.py``).
    pending: Callable[[str], PendingChanges] | None = None


def flag(templar: Any, value: Any, default: bool = False) -> bool:
    """A boolean keyword that may still be a template (``become: "{{ use_sudo }}"``)."""
    if value is None:
        return default
    if isinstance(value, Template):
        value = templar.template(value.text, span=value.span)
    if isinstance(value, str):
        return value.strip().lower() in ("yes", "true", "on", "1", "y")
    return bool(value)


def number(templar: Any, value: Any, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, Template):
        value = templar.template(value.text, span=value.span)
    return float(value)


def _label(task: Task, templar: Any, item: Any) -> str:
    control = task.loop_control
    if control is not None and control.label is not None:
        return str(templar.template(control.label))
    return str(item)


def run_task(run: TaskRun) -> TaskOutcome:
    """The task on this host, looping if it has a loop; never raises DockyardError."""
    task = run.task
    templar = run.templar_for(run.variables)
    try:
        if task.loop is None:
            return _run_once(run, templar, run.variables)
        items = loop_items(task, templar)
    except ConnectError as error:
        return TaskOutcome("unreachable", {"unreachable": True, "msg": error.message}, message=error.message)
    except UnknownValueError as error:
        return _unknown(error)
    except DockyardError as error:
        return _failure(run, error)
    control = task.loop_control or LoopControl()
    pause = number(templar, control.pause, 0.0)
    outcomes = []
    for index, item in enumerate(items):
        if index and pause:
            time.sleep(pause)
        variables = {**run.variables, **iteration_vars(control, templar, items, index)}
        item_templar = run.templar_for(variables)
        outcome = _run_item(run, item_templar, variables)
        outcome.item_label = _label(task, item_templar, item)
        outcome.result.setdefault(control.loop_var, item)
        for name in ("ansible_loop_var", "ansible_index_var", "ansible_loop", control.index_var):
            if name and name in variables and name != control.loop_var:
                outcome.result[name] = variables[name]
        outcomes.append(outcome)
        if outcome.status == "unreachable" or _breaks(run, control, variables, outcome):
            break
    return aggregate(outcomes)


def _run_item(run: TaskRun, templar: Any, variables: Mapping[str, Any]) -> TaskOutcome:
    try:
        return _run_once(run, templar, variables)
    except UnknownValueError as error:
        return _unknown(error)
    except ConnectError as error:
        return TaskOutcome("unreachable", {"unreachable": True, "msg": error.message}, message=error.message)
    except DockyardError as error:
        return _failure(run, error)


def _breaks(run: TaskRun, control: LoopControl, variables: Mapping[str, Any], outcome: TaskOutcome) -> bool:
    """loop_control.break_when, with the item's result under the task's ``register`` name."""
    if not control.break_when:
        return False
    scope = {**variables, run.task.register: outcome.result} if run.task.register else variables
    templar = run.templar_for(scope)
    return all(templar.condition(condition, span=control.span) for condition in control.break_when)


def aggregate(outcomes: list[TaskOutcome]) -> TaskOutcome:
    """A loop's outcome from its items', as Ansible decides it (a failed item fails the task)."""
    statuses = {o.status for o in outcomes}
    changed = any(o.status == "changed" or o.result.get("changed") is True for o in outcomes)
    result: dict[str, Any] = {"results": [o.result for o in outcomes], "changed": changed}
    for status in ("unreachable", "failed", "unknown", "changed", "ok"):
        if status in statuses:
            break
    else:
        status = "skipped"
    ignored = status == "failed" and all(o.ignored for o in outcomes if o.status == "failed")
    if status == "failed":
        result.update(failed=True, msg="One or more items failed")
    if status == "skipped":
        result.update(skipped=True, msg="All items skipped")
    unknown = next((o for o in outcomes if o.unknown_reason), None)
    return TaskOutcome(status, result, items=outcomes, ignored=ignored,
                       steps=tuple(step for o in outcomes for step in o.steps),
                       unknown_reason=unknown.unknown_reason if unknown else "",
                       depends_on=unknown.depends_on if unknown else None)


def _unknown(error: UnknownValueError) -> TaskOutcome:
    """Check mode / plan: the task depends on a value only an apply can produce."""
    reason = error.message
    return TaskOutcome("unknown", {"changed": True, "msg": f"known after apply: {reason}"},
                       message=reason, unknown_reason=reason, depends_on=error.unknown.task)


def _failure(run: TaskRun, error: DockyardError) -> TaskOutcome:
    span = error.span or getattr(run.task, "span", None)
    where = f" ({span})" if span is not None else ""
    message = error.message + where + (f"\n  hint: {error.hint}" if error.hint else "")
    return TaskOutcome("failed", {"failed": True, "changed": False, "msg": error.message},
                       message=message, ignored=_ignored(run))


def _ignored(run: TaskRun) -> bool:
    return flag(run.templar_for(run.variables), run.task.ignore_errors)


def _template_args(run: TaskRun, templar: Any, module: Any) -> dict[str, Any]:
    raw = dict(run.task.args)
    keep = {name: raw.pop(name) for name in module.raw_args if name in raw}
    templated = templar.template(raw, span=run.task.span)
    args = {key: value for key, value in templated.items() if value != run.omit}
    args.update(keep)
    return args


@dataclass(frozen=True)
class ModuleCall:
    """A task's module call on one host (or loop item), ready to run: what a task templates."""

    module: Any
    args: dict[str, Any]
    ctx: ModuleContext
    env: dict[str, str] | None
    target: str


def conditions_hold(run: TaskRun, templar: Any) -> str | None:
    """None when every ``when`` holds, else the first condition that does not."""
    for condition in run.task.when:
        if not templar.condition(condition, span=run.task.span):
            return str(condition)
    return None


def prepare_call(run: TaskRun, templar: Any, variables: Mapping[str, Any]) -> ModuleCall:
    """Template the task's arguments and environment for this host: everything before I/O."""
    task = run.task
    module = load_module(task.module)
    args = _template_args(run, templar, module)
    environment: dict[str, Any] = {}
    for layer in task.environment:
        rendered = templar.template(layer.text if isinstance(layer, Template) else dict(layer), span=task.span)
        if not isinstance(rendered, Mapping):
            raise PlaybookError("environment must be a mapping", span=task.span)
        environment.update(rendered)
    delegate = task.delegate_to
    target = str(templar.template(delegate)) if delegate else run.host
    ctx = ModuleContext(
        host=run.host,
        facts=variables.get("ansible_facts", {}) or {},
        variables=variables,
        search_paths=task.search_paths,
        render=lambda text: str(templar.render_text(text)),
        render_file=lambda text, **kw: str(templar.render_text(
            text, search_paths=[str(path) for path in task.search_paths], **kw)),
        condition=lambda expr: bool(templar.condition(expr, span=task.span)),
        diff=run.diff,
        check=run.check,
        progress=run.progress,
        connect=lambda timeout=None: run.connection(target, timeout=timeout),
    )
    env = {str(k): str(v) for k, v in environment.items()} or None
    bad = [name for name in env or () if not valid_env_name(name)]
    if bad:
        raise PlaybookError(f"environment: {', '.join(map(repr, bad))} cannot be a shell variable name",
                            span=task.span, hint="use letters, digits and _ only, not starting with a digit")
    return ModuleCall(module, args, ctx, env, target)


def _run_once(run: TaskRun, templar: Any, variables: Mapping[str, Any]) -> TaskOutcome:
    task = run.task
    false_condition = conditions_hold(run, templar)
    if false_condition is not None:
        return TaskOutcome("skipped", {"changed": False, "skipped": True,
                                       "skip_reason": "Conditional result was False",
                                       "false_condition": false_condition})
    call = prepare_call(run, templar, variables)
    module, delegate, target = call.module, task.delegate_to, call.target
    pending = run.pending(target) if run.check and run.pending is not None else None
    paths = target_paths(call.args) if pending is not None else []
    reads_host = not isinstance(module, ControllerModule | ResourceModule)
    by = (task, run.host, WAVE.get())
    if pending is not None and (earlier := pending.changed_before(paths, reads_host=reads_host, by=by)):
        pending.add(paths, task.display_name, by=by)
        return _after_earlier_change(*earlier)
    conn = None if isinstance(module, ControllerModule | ResourceModule) else run.connection(target)
    attempt = _attempts(run, templar, module, call.args, conn, call.ctx, call.env)
    outcome = attempt[0]
    result = dict(outcome.result)
    fingerprint = probe_fingerprint(outcome)
    if pending is not None and outcome.steps:
        pending.add(paths, task.display_name, by=by)
        if not module.predictable and not paths and not declares_no_change(task.changed_when):
            pending.add_everything(task.display_name, by=by)
    if _unpredictable(run, module, outcome):
        result = {"changed": True, "msg": "would run (the result is known only after apply)"}
        return TaskOutcome("changed", result, steps=outcome.steps,
                           unknown_reason="its result is known only after apply",
                           delegated_to=target if delegate else None, fingerprint=fingerprint)
    status = "failed" if result.get("failed") else "changed" if result.get("changed") else "ok"
    message = str(result.get("msg", "")) if status == "failed" else ""
    if status == "failed":
        tail = str(result.get("stderr", "")).strip().splitlines()[-5:]
        if tail and tail[-1] not in message:
            message += "\n  stderr: " + "\n          ".join(tail)
    return TaskOutcome(status, result, steps=outcome.steps, message=message,
                       ignored=status == "failed" and _ignored(run),
                       delegated_to=target if delegate else None, fingerprint=fingerprint)


def _after_earlier_change(path: str, task: str) -> TaskOutcome:
    """Check mode: what this task reads, an earlier task changes first; known after apply."""
    reason = f"{path} is changed first by task '{task}'"
    return TaskOutcome("unknown", {"changed": True, "msg": f"known after apply: {reason}"},
                       message=reason, unknown_reason=reason, depends_on=task)


def probe_fingerprint(outcome: ModuleOutcome) -> str:
    """sha256 over what the module read from the host: the probe's text, exit code and output."""
    if outcome.probe is None or outcome.probe_output is None:
        return ""
    digest = hashlib.sha256()
    output = outcome.probe_output
    for part in (outcome.probe.encode(), str(output.rc).encode(), output.stdout, output.stderr):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _unpredictable(run: TaskRun, module: Any, outcome: ModuleOutcome) -> bool:
    """Check mode, and the module would run something whose result only the run can tell."""
    return run.check and bool(outcome.steps) and not module.predictable


def _attempts(run: TaskRun, templar: Any, module: Any, args: dict[str, Any], conn: Connection | None,
              ctx: ModuleContext, env: dict[str, str] | None) -> tuple[ModuleOutcome, int]:
    """Run the module, applying changed_when/failed_when, and until/retries/delay."""
    task = run.task
    until = task.until
    retries = int(number(templar, task.retries, 3 if until else 0))
    delay = number(templar, task.delay, 5)
    attempt = 0
    while True:
        attempt += 1
        outcome = execute_module(module, args, conn, ctx, check=run.check, become=run.become, env=env)
        result = outcome.result
        if _unpredictable(run, module, outcome):
            return outcome, attempt  # changed_when/failed_when/until would judge output that does not exist
        _apply_conditions(run, templar, ctx.variables, result)
        if not until:
            return outcome, attempt
        scope = run.templar_for({**ctx.variables, task.register: result}) if task.register else templar
        if all(scope.condition(condition, span=task.span) for condition in until):
            result["attempts"] = attempt
            return outcome, attempt
        if attempt > retries:
            result.update(failed=True, attempts=attempt,
                          msg=f"gave up after {attempt} attempts: until condition still false")
            return outcome, attempt
        time.sleep(delay)
        if isinstance(conn, ProbingConnection):
            conn.forget()  # the next attempt must read the host again


def _apply_conditions(
    run: TaskRun, templar: Any, variables: Mapping[str, Any], result: dict[str, Any]
) -> None:
    task = run.task
    register = task.register
    scope = run.templar_for({**variables, register: result}) if register else templar
    if task.changed_when:
        result["changed"] = all(scope.condition(c, span=task.span) for c in task.changed_when)
    if task.failed_when:
        failed = any(scope.condition(c, span=task.span) for c in task.failed_when)
        result["failed_when_result"] = failed
        result["failed"] = failed
