"""Per-host state of a run (facts, set_fact, registered results) and one task on one host.

:class:`HostRunner` is what the run loop calls for every (task, host): it builds the
host's variables, runs the task (``task.py``), and applies what the result means for
the run — register, notify, set_fact, add_host, group_by, include_tasks — then emits
the host's result event.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from dockyard.connection.base import Become
from dockyard.connection.local import LocalConnection
from dockyard.connection.pool import ConnectionPool
from dockyard.engine.context import PlayContext
from dockyard.engine.events import EventSink, HostProgress, HostResult, Warning
from dockyard.engine.execute import RAN_AHEAD_OTHERWISE, load_module, ran_ahead_result
from dockyard.engine.lookahead import steps_ahead, upcoming_probes
from dockyard.engine.loops import iteration_vars, loop_items
from dockyard.engine.pending import PendingChanges
from dockyard.engine.probes import ProbePool, ProbingConnection, looking_ahead
from dockyard.engine.task import TaskOutcome, TaskRun, aggregate, flag, run_task
from dockyard.errors import ConnectError, DockyardError
from dockyard.inventory.model import Origin
from dockyard.modules.base import HostModule
from dockyard.modules.registry import find_module
from dockyard.playbook.model import LoopControl, Play, RoleRef, Task
from dockyard.playbook.template import Templar
from dockyard.playbook.unknown import Unknown, untrusted
from dockyard.playbook.variables import (
    HostState,
    PlayScope,
    RoleScope,
    RunScope,
    TaskScope,
    build_task_vars,
)

__all__ = ["HostRunner"]

INCLUDES = ("include_tasks", "include_role")


@dataclass(frozen=True)
class Tally:
    """What one task on one host adds to the recap (as Ansible counts it).

    ``ignored``: a failure that ``ignore_errors`` let pass (ok + ignored, and changed
    when ``changed`` says the failed task changed something). ``times``: an include
    counts one ok per file or role it brought in (twice for a loop of two).
    """

    status: str
    ignored: bool = False
    changed: bool = False
    times: int = 1


@dataclass
class _Pending:
    """Nodes that include_tasks/include_role produced, and for which hosts.

    ``made``: how many includes each host has made so far, so that the groups run in a
    fixed order (by the first host, in inventory order, then that host's order) however
    the hosts' threads happen to finish.
    """

    groups: dict[Any, tuple[Sequence[Any], list[str]]] = field(default_factory=dict)
    made: dict[str, int] = field(default_factory=dict)
    first: dict[Any, tuple[str, int]] = field(default_factory=dict)


class HostRunner:
    """``pool``: connections (with their probe caches) shared with another run, which then
    closes them; by default the runner opens its own and closes them in :meth:`close`."""

    def __init__(self, inventory: Any, options: Any, sink: EventSink, playbook_dir: str | None,
                 pool: ProbePool | None = None) -> None:
        self.inventory = inventory
        self.options = options
        self.sink = sink
        self._owns_pool = pool is None
        self.pool = pool or ProbePool(ConnectionPool(inventory.get_vars, options.connection))
        self.states: dict[str, HostState] = {}
        self.unpredictable: list[str] = []
        self.scope = RunScope(inventory, states=self.states, extra_vars=options.extra_vars,
                              check_mode=options.check, diff_mode=options.diff,
                              playbook_dir=playbook_dir)
        self.play_scope = PlayScope()
        self._includes: dict[int, _Pending] = {}
        self._pending: dict[str, PendingChanges] = {}
        self._lock = threading.Lock()
        self._local: LocalConnection | None = None

    def close(self) -> None:
        for host in self.states:
            self._unclaimed(host, None)
        if self._owns_pool:
            self.pool.close()

    def _on_controller(self, host: str) -> bool:
        """Is ``host`` reached through the local connection (this machine)?"""
        conn = self.pool.existing(host)
        return conn is None or isinstance(conn.inner, LocalConnection)

    def _ran_ahead(self, host: str, task: Any, outcome: TaskOutcome, run: TaskRun) -> TaskOutcome:
        """The task's outcome, told truly when its step ran ahead and it did not take it (its
        ``when`` or arguments template otherwise now) or took it while making another one."""
        conn = self.pool.existing(host)
        left = conn.left_by(task) if conn is not None else None
        if left is not None and outcome.status != "failed":  # a failure in its turn stays what it says
            step, ran = left
            # Its arguments as templated now were not used (the module's failure fields need none).
            module = load_module(task.module)
            assert isinstance(module, HostModule)  # only their steps go ahead
            result = ran_ahead_result(module, None, [step], ran, diff=run.diff)
            failed = bool(result["failed"])
            outcome = TaskOutcome("failed" if failed else "changed", result, steps=(step,),
                                  message=str(result["msg"]) if failed else "",
                                  ignored=failed and flag(run.templar_for(run.variables), task.ignore_errors))
        elif left is not None:
            outcome.result["ran_ahead"] = True
        if outcome.result.get("ran_ahead"):
            self.sink.emit(Warning(f"task '{task.display_name}': {RAN_AHEAD_OTHERWISE}; set "
                                   "DOCKYARD_NO_STEPS_AHEAD=1 for tasks whose arguments change from moment "
                                   "to moment", host, task.span))
        return outcome

    def _unclaimed(self, host: str, task: Any) -> None:
        """Warn of steps that ran ahead for tasks that then did not run on ``host``."""
        conn = self.pool.existing(host)
        for summary in conn.unclaimed(task) if conn is not None else ():
            self.sink.emit(Warning(f"'{summary}' ran ahead, in an earlier task's command, for a task that then "
                                   "did not run on this host (it failed, went to a rescue, or the play ended "
                                   "for it); set DOCKYARD_NO_STEPS_AHEAD=1 to run each step in its task's turn",
                                   host))

    def start_play(self, ctx: PlayContext) -> None:
        self.ctx = ctx
        play: Play = ctx.play
        for host in ctx.all_hosts:
            self.states.setdefault(host, HostState())
        self.play_scope = PlayScope(
            name=play.name or "", hosts=tuple(ctx.all_hosts), batch=tuple(ctx.hosts),
            vars=play.vars, vars_files=play.vars_files,
            roles=tuple(_role_scope(role) for role in play.roles), base_dir=str(play.path),
        )

    def variables_for(self, host: str, task: Task | None) -> dict[str, Any]:
        """Every variable ``task`` sees on ``host``, by the documented precedence."""
        self.states.setdefault(host, HostState())
        scope = None
        if task is not None:
            scope = TaskScope(name=task.name or "", vars=task.vars,
                              role=_role_scope(task.role) if task.role else None)
        return build_task_vars(self.scope, host, self.play_scope, scope)

    # -- connections --------------------------------------------------------------------------

    def connection(self, name: str, timeout: float | None = None) -> ProbingConnection:
        """The host's connection, opened (``timeout``: for this attempt to connect)."""
        if name in ("localhost", "127.0.0.1") and self.inventory.get_host(name) is None:
            if self._local is None:
                self._local = LocalConnection("localhost")
            return self.pool.wrap(name, self._local)
        return self.pool.get(name, timeout=timeout)

    def become_for(self, host: str, task: Any, variables: Mapping[str, Any]) -> Become | None:
        base = self.pool.connections.spec(host).become
        wanted = task.become if getattr(task, "become", None) is not None else base is not None
        if not wanted:
            return None
        user = getattr(task, "become_user", None) or (base.user if base else "root")
        password = base.password if base else self.options.connection.become_password
        if password is None:
            password = variables.get("ansible_become_password") or variables.get("ansible_become_pass")
        return Become(user=str(user), password=None if password is None else str(password))

    # -- facts ----------------------------------------------------------------------------------

    def gather_facts(self, host: str, upcoming: Sequence[Any] = ()) -> str:
        """Read the host's facts; ``upcoming``: the play's first tasks, whose probes go along
        in the same command when they can be known before the facts (see ``lookahead.py``)."""
        from dockyard.facts.gather import gather_facts

        def ahead() -> list[Any]:
            return upcoming_probes(upcoming, lambda task: self._run_now(task, host))

        try:
            conn = self.connection(host)
            variables = self.variables_for(host, None)
            become = self.become_for(host, self.ctx.play, variables)
            interpreter = variables.get("ansible_python_interpreter")
            # Facts read earlier in this run (plan, then apply) serve while nothing ran on the host.
            key = ("facts", become, interpreter)
            facts = conn.recall(key)
            if not isinstance(facts, dict):
                with looking_ahead(host, ahead):
                    facts = gather_facts(conn.inner, become=become, run=conn.run_step,
                                         python_interpreter=str(interpreter) if interpreter else None)
                conn.remember(key, facts)
        except ConnectError as error:
            self._emit(host, "Gathering Facts", TaskOutcome("unreachable", {}, message=error.message))
            return "unreachable"
        except DockyardError as error:
            self._emit(host, "Gathering Facts", TaskOutcome("failed", {}, message=error.message))
            return "failed"
        self.states[host].add_facts(facts)
        self._emit(host, "Gathering Facts", TaskOutcome("ok", {}))
        return "ok"

    def clear_facts(self, hosts: Sequence[str]) -> None:
        for host in hosts:
            self.states.setdefault(host, HostState()).clear_facts()
            self.connection(host).forget()

    def reset_connections(self, hosts: Sequence[str]) -> None:
        for host in hosts:
            self.pool.get(host).close()

    # -- tasks ----------------------------------------------------------------------------------

    def hosts_meeting(self, ctx: PlayContext, task: Any, hosts: Sequence[str]) -> list[str]:
        """Hosts for which the task's ``when`` holds (meta: end_host)."""
        meeting = []
        for host in hosts:
            variables = self.variables_for(host, task)
            templar = Templar(variables)
            if all(templar.condition(c, span=task.span) for c in getattr(task, "when", ()) or ()):
                meeting.append(host)
        return meeting

    def task_run(self, task: Any, host: str, variables: Mapping[str, Any]) -> TaskRun:
        """What ``task`` needs to run on ``host`` with these variables."""
        return TaskRun(
            task=task, host=host, variables=variables, templar_for=Templar,
            connection=self.connection, become=self.become_for(host, task, variables),
            check=self._check(task), diff=self._diff(task), unknown_type=Unknown,
            pending=self.pending_changes,
            progress=lambda line: self.sink.emit(HostProgress(host, line)),
        )

    def _run_now(self, task: Any, host: str) -> TaskRun:
        """``task`` on ``host`` with the host's variables as they are now (to look ahead)."""
        return self.task_run(task, host, self.variables_for(host, task))

    def pending_changes(self, host: str) -> PendingChanges:
        """Check mode: what earlier tasks would change on ``host`` (see ``pending.py``)."""
        with self._lock:
            return self._pending.setdefault(host, PendingChanges())

    def run(self, ctx: PlayContext, task: Any, host: str, upcoming: Sequence[Any] = ()) -> Tally:
        """Run ``task`` on ``host``; returns the status counted in the recap.

        ``upcoming``: the tasks that follow on this host, whose probes may be read ahead.
        """
        try:
            variables = self.variables_for(host, task)
        except DockyardError as error:
            outcome = TaskOutcome("failed", {"failed": True, "msg": error.message}, message=str(error))
            self._emit(host, task, outcome)
            return Tally("failed")
        if task.module in INCLUDES:
            return self._include(task, host, variables)
        run = self.task_run(task, host, variables)

        def run_of(each: Any) -> TaskRun:
            return run if each is task else self._run_now(each, host)

        def ahead() -> list[Any]:
            return upcoming_probes([task, *upcoming], run_of)

        def steps(peek: Any, become: Any) -> list[Any]:
            if self._on_controller(host):  # copy/template read the controller's files the step may change
                return []
            return steps_ahead(task, ctx.play, upcoming, run_of, peek, become)

        self._unclaimed(host, task)
        with looking_ahead(host, ahead, steps, task):
            outcome = run_task(run)
        outcome = self._ran_ahead(host, task, outcome, run)
        self._after(task, host, outcome)
        self._emit(host, task, outcome)
        if outcome.status == "failed" and outcome.ignored:
            return Tally("failed", ignored=True, changed=bool(outcome.result.get("changed")))
        return Tally(outcome.status)

    def _check(self, task: Any) -> bool:
        value = getattr(task, "check_mode", None)
        return bool(self.options.check if value is None else value)

    def _diff(self, task: Any) -> bool:
        value = getattr(task, "diff", None)
        return bool(self.options.diff if value is None else value)

    def _after(self, task: Any, host: str, outcome: TaskOutcome) -> None:
        """What a result means for the run: register, set_fact, add_host, notify."""
        state = self.states[host]
        result = outcome.result
        if outcome.unknown_reason:
            label = f"{task.name or task.action} ({task.span})"
            with self._lock:
                if label not in self.unpredictable:
                    self.unpredictable.append(label)
        origin = Origin(task.span, f"task '{task.display_name}'")
        # run_once: the result and the facts hold for every host of the play (as in Ansible).
        receivers = [state] if not getattr(task, "run_once", False) else \
            [self.states[name] for name in self.ctx.all_hosts if name not in self.ctx.unreachable]
        if task.register:
            value = Unknown(task.register, task=task.display_name, span=task.span) \
                if outcome.unknown_reason else result
            for receiver in receivers:
                receiver.register(task.register, value, origin=origin)
        if outcome.status == "failed" and not outcome.ignored:
            # What a rescue sees: ansible_failed_task and ansible_failed_result.
            failed_task = {"name": task.name or task.action, "action": task.action,
                           "args": dict(task.args)}
            state.register("ansible_failed_task", failed_task, origin=origin)
            state.register("ansible_failed_result", result, origin=origin)
        if outcome.status in ("failed", "unreachable", "skipped"):
            return
        results = [item.result for item in outcome.items] or [result]
        module = find_module(task.module)
        for item in results:
            if "ansible_facts" in item:
                facts = dict(item["ansible_facts"])
                for receiver in receivers:
                    if module is not None and module.returns_variables:  # set_fact
                        receiver.set_facts(facts, origin=origin, cacheable=bool(task.args.get("cacheable")))
                    else:  # setup, hostname, ...: host facts, below play vars
                        receiver.add_facts(facts, origin=origin)
            if "add_host" in item:  # one host (add_host) or a list of them (vm)
                added = item["add_host"]
                with self._lock:
                    for spec in added if isinstance(added, list) else [added]:
                        self.inventory.add_host(spec["host_name"], spec["groups"], spec["host_vars"])
            if "add_group" in item:
                with self._lock:
                    self.inventory.add_group(item["add_group"], parents=item["parent_groups"], hosts=[host])
        if outcome.status in ("changed",) or result.get("changed"):
            missing = self.ctx.handlers.notify(host, task.notify or ())
            for name in missing:
                self.sink.emit(Warning(f"notified handler '{name}' does not exist", host, task.span))

    def _include(self, task: Any, host: str, variables: Mapping[str, Any]) -> Tally:
        """include_tasks/include_role on one host: once, or once per loop item."""
        templar = Templar(variables)
        try:
            if task.loop is None:
                outcome = self._include_one(task, host, variables, {})
            else:
                control = task.loop_control or LoopControl()
                items = loop_items(task, templar)
                outcomes = []
                for index, item in enumerate(items):
                    extra = iteration_vars(control, templar, items, index)
                    outcome = self._include_one(task, host, {**variables, **extra}, extra)
                    outcome.item_label = str(item)
                    outcomes.append(outcome)
                outcome = aggregate(outcomes)
        except DockyardError as error:
            outcome = TaskOutcome("failed", {"failed": True, "msg": error.message}, message=str(error))
        self._emit(host, task, outcome)
        loaded = sum(1 for item in outcome.items or [outcome] if item.status == "ok")
        return Tally(outcome.status, times=loaded) if loaded else Tally(outcome.status)

    def _include_one(self, task: Any, host: str, variables: Mapping[str, Any],
                     extra: Mapping[str, Any]) -> TaskOutcome:
        from dockyard.playbook.load import load_include

        templar = Templar(variables)
        if not all(templar.condition(c, span=task.span) for c in task.when or ()):
            return TaskOutcome("skipped", {"skipped": True, "changed": False})
        args = templar.template(dict(task.args), span=task.span)
        # The loop's variables pass to the included tasks as data (never rendered again).
        looped = replace(task, vars={**task.vars, **untrusted(dict(extra))}) if extra else task
        nodes, key = load_include(looped, args)
        group = (key, repr(sorted(extra.items())))
        with self._lock:
            pending = self._includes.setdefault(id(task), _Pending())
            if group not in pending.groups:
                pending.groups[group] = (nodes, [])
            pending.groups[group][1].append(host)
            made = pending.made[host] = pending.made.get(host, 0) + 1
            pending.first.setdefault(group, (host, made))
            pending.first[group] = min(pending.first[group], (host, made), key=self._host_order)
        return TaskOutcome("ok", {"include": str(key), "changed": False, **dict(extra)})

    def take_includes(self, task: Any) -> list[tuple[Sequence[Any], list[str]]]:
        with self._lock:
            pending = self._includes.pop(id(task), None)
        if pending is None:
            return []
        found = sorted(pending.groups.items(), key=lambda entry: self._host_order(pending.first[entry[0]]))
        return [(nodes, sorted(hosts, key=lambda h: self._host_order((h, 0))))
                for _, (nodes, hosts) in found]

    def _host_order(self, entry: tuple[str, int]) -> tuple[int, int]:
        hosts = self.ctx.hosts
        return (hosts.index(entry[0]) if entry[0] in hosts else len(hosts), entry[1])

    # -- events ---------------------------------------------------------------------------------

    def _emit(self, host: str, task: Any, outcome: TaskOutcome) -> None:
        name = task if isinstance(task, str) else (task.name or task.action)
        span = None if isinstance(task, str) else task.span
        no_log = False if isinstance(task, str) else bool(getattr(task, "no_log", False))
        module = None if isinstance(task, str) else find_module(task.module)
        secrets = module.secret_results if module is not None else ()
        items = outcome.items or [outcome]
        for item in items:
            status = item.status
            self.sink.emit(HostResult(
                host=host, task=name, status=status, span=span,
                result=_shown(item.result, no_log, secrets),
                module="" if isinstance(task, str) else task.module,
                steps=item.steps, item_label=item.item_label if outcome.items else None,
                message=item.message, ignored=item.ignored, no_log=no_log,
                delegated_to=item.delegated_to, fingerprint=item.fingerprint,
                unknown_reason=item.unknown_reason, depends_on=item.depends_on,
            ))


def _role_scope(role: RoleRef) -> RoleScope:
    return RoleScope(role.name, str(role.path), defaults=role.defaults, vars=role.vars, params=role.params)


def _shown(result: Mapping[str, Any], no_log: bool, secrets: Sequence[str] = ()) -> Mapping[str, Any]:
    """What output may show of a result: nothing under no_log, the module's secret fields masked."""
    if no_log:
        return {"censored": "the output has been hidden due to the fact that 'no_log: true' "
                "was specified for this result", "changed": result.get("changed", False)}
    hidden = [name for name in secrets if name in result]
    if hidden:
        return {**result, **dict.fromkeys(hidden, "VALUE_HIDDEN_SECRET")}
    return result

