"""Read a host once: a per-host cache of probe outputs, filled a batch at a time.

Every host module reads the host with a probe (read-only shell text) before it plans.
Sent one by one, an idempotent run of ten tasks costs ten round trips per host. Here a
probe that is not in the cache goes out together with the probes of the tasks that
follow it, in one command (``batch.py``); the later tasks then find their output here::

    with looking_ahead("web1", upcoming):          # the engine, around one task on web1
        conn.read(probe, become=b)                 # miss: probe + upcoming probes, one exec
    ...
    conn.read(next_probe, become=b)                # hit, when the text is the same

Correct by construction:

* the cache key is the probe's exact text, with its become and environment: a later
  task's probe is templated again when the task runs, and only the same text hits;
* anything else run on the host (a step, a ``command``, a file written) empties the
  host's cache before and after (a probe read by another thread while it ran, for a
  delegated task, may predate it), so no output read before a change is used after it;
* the last step of a task takes the upcoming probes along (:meth:`ProbingConnection.run_step`):
  they run after it, in the same command, so they read the host as the step left it; a
  changed task followed by another costs one round trip, not two (step, then probe);
* a task retried with ``until`` reads the host again (:meth:`ProbingConnection.forget`);
* probes that wait (``wait_for``) never go into a batch or the cache.

The lookahead is adaptive: when the probes of a batch are thrown away unused (the
next task changed the host), the next batch looks less far ahead, down to no lookahead
at all on a first run where every task changes something; batches that are used up
let it look further again.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from dockyard.connection.base import Become, CommandResult, Connection
from dockyard.engine.batch import (
    GuardedStep,
    ProbeRequest,
    batch_script,
    guard_stdin,
    new_marker,
    split_batch,
)
from dockyard.errors import ConnectError
from dockyard.modules.step import Action, Step

__all__ = ["LOOKAHEAD_MAX", "ProbePool", "ProbingConnection", "RanAheadOtherwise", "looking_ahead", "read_probe",
           "run_step"]

LOOKAHEAD_MAX = 32
"""At most this many probes go out in one batch."""

STEPS_AHEAD_BYTES = 48 * 1024
"""A step takes the next tasks' steps along only while the whole script stays below this (a
command line is one argument of ``sh -c``, at most 128 KiB on Linux, and become with a
password quotes the script twice)."""


def _time_limit(conn: Connection) -> float | None:
    """The time limit of the commands of ``conn`` (``--command-timeout``), if it has one."""
    limit = getattr(conn, "command_timeout", None)
    if limit is None:
        limit = getattr(getattr(conn, "spec", None), "command_timeout", None)
    return float(limit) if limit else None

Upcoming = Callable[[], Sequence[tuple[ProbeRequest, Become | None]]]
Peek = Callable[[ProbeRequest, Become | None], CommandResult | None]
StepsAhead = Callable[[Peek, Become | None], Sequence[GuardedStep]]
_AHEAD: contextvars.ContextVar[tuple[str, Upcoming, StepsAhead | None, object] | None] = contextvars.ContextVar(
    "dockyard_probe_lookahead", default=None)


@contextlib.contextmanager
def looking_ahead(host: str, upcoming: Upcoming, steps: StepsAhead | None = None,
                  task: object = None) -> Iterator[None]:
    """While the engine works on ``task`` of ``host``, ``upcoming()`` lists the probes that
    the following tasks would send, for a cache miss on ``host`` to take along.

    ``steps(peek, become)``: the steps of the next tasks that may run, guarded, in the same
    command as this task's last step (:class:`GuardedStep`; ``peek`` gives a probe's cached
    output, or None). Only tasks that cannot change what the next ones do qualify: the
    engine decides (``lookahead.steps_ahead``). ``task`` then claims the step that ran ahead
    for it, if one did."""
    token = _AHEAD.set((host, upcoming, steps, task))
    try:
        yield
    finally:
        _AHEAD.reset(token)


@dataclass(frozen=True)
class _RanAhead:
    """A next task's step that ran in an earlier task's command, waiting for its task."""

    guarded: GuardedStep
    become: Become | None
    result: CommandResult

    @property
    def probe(self) -> tuple[ProbeRequest, Become | None]:
        """The cache key of the probe the step was made from."""
        return _key(self.guarded.probe, self.become)

    @property
    def summary(self) -> str:
        return _summary(self.guarded)


def _summary(guarded: GuardedStep) -> str:
    return guarded.made.summary if guarded.made is not None else "a step"


class RanAheadOtherwise(Exception):
    """The task whose step ran ahead does not make the same step now (a template that gives
    another answer a moment later: ``now()``, ``random``, a lookup): what ran is its change,
    and nothing more may run for it."""

    def __init__(self, step: Step | None, result: CommandResult) -> None:
        super().__init__("a step ran ahead for this task")
        self.step = step
        self.result = result


def _key(request: ProbeRequest, become: Become | None) -> tuple[ProbeRequest, Become | None]:
    return (request, become)


@dataclass
class _Stats:
    execs: int = 0
    hits: int = 0
    misses: int = 0
    batched: int = 0


@dataclass
class ProbingConnection:
    """A host's connection with a probe cache in front (see the module docs).

    ``run``/``put`` are the connection's, after emptying the cache; ``read`` is for
    probes. Safe to share between threads (a delegated task reads another host).
    """

    inner: Connection
    host: str = field(init=False)
    window: int = LOOKAHEAD_MAX
    stats: _Stats = field(default_factory=_Stats)
    _cache: dict[tuple[ProbeRequest, Become | None], CommandResult] = field(default_factory=dict)
    _memo: dict[object, object] = field(default_factory=dict)
    _unused: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _ran_ahead: list[_RanAhead] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.host = self.inner.host

    def open(self, *, timeout: float | None = None) -> None:
        self.inner.open(timeout=timeout)

    def close(self) -> None:
        self.forget()
        with self._lock:
            self._ran_ahead.clear()
        self.inner.close()

    def forget(self) -> None:
        """Empty the cache: the host may have changed since its probes were read."""
        with self._lock:
            if self._unused:  # probes read for nothing: look less far ahead next time
                self.window = max(1, self.window // 2)
            self._cache.clear()
            self._memo.clear()
            self._unused = 0

    def recall(self, key: object) -> object | None:
        """What was read from the host under ``key`` (its facts), if nothing ran on it since."""
        with self._lock:
            return self._memo.get(key)

    def remember(self, key: object, value: object) -> None:
        with self._lock:
            self._memo[key] = value

    def run(self, command: str, *, stdin: bytes | None = None, become: Become | None = None,
            timeout: float | None = None, env: dict[str, str] | None = None) -> CommandResult:
        self._otherwise()
        self.forget()
        self.stats.execs += 1
        try:
            return self.inner.run(command, stdin=stdin, become=become, timeout=timeout, env=env)
        finally:
            self.forget()  # and after: what another thread read meanwhile may predate the change

    def put(self, data: bytes, path: str, *, mode: int | None = None, owner: str | None = None,
            group: str | None = None, become: Become | None = None) -> None:
        self._otherwise()
        self.forget()
        self.stats.execs += 1
        try:
            self.inner.put(data, path, mode=mode, owner=owner, group=group, become=become)
        finally:
            self.forget()

    def read(self, command: str, *, become: Become | None = None, env: dict[str, str] | None = None,
             batchable: bool = True) -> CommandResult:
        """The output of a read-only ``command``: from the cache, or read now (with the
        upcoming probes of this host when the engine said which)."""
        if not batchable:
            self._otherwise()
            self.stats.execs += 1
            return self.inner.run(command, become=become, env=env)
        request = ProbeRequest.of(command, env)
        key = _key(request, become)
        with self._lock:
            head = self._claimable()
            if head is not None:
                if head.probe != key:
                    self._otherwise()
                self.stats.hits += 1
                return head.guarded.seen  # what the step that ran ahead was made from
            cached = self._cache.get(key)
            if cached is not None:
                self.stats.hits += 1
                self._unused -= 1
                if self._unused == 0:  # the whole batch was used: look further ahead
                    self.window = min(LOOKAHEAD_MAX, self.window * 2)
                return cached
            self.stats.misses += 1
            batch = [request, *self._upcoming((request,), become, min(self.window, LOOKAHEAD_MAX) - 1)]
            results = self._read_batch(batch, become)
            for each, result in results.items():
                self._cache.setdefault(_key(each, become), result)
            self._unused += max(0, len(results) - 1)
        found = results.get(request)
        if found is None:  # the batch was cut short before this probe: read it alone
            self.stats.execs += 1
            return self.inner.run(command, become=become, env=env)
        return found

    def run_step(self, command: str, *, stdin: bytes | None = None, become: Become | None = None,
                 env: dict[str, str] | None = None, done: ProbeRequest | None = None,
                 timeout: float | None = None) -> CommandResult:
        """Run a task's last step (a change) and, in the same command after it, the probes
        of the tasks that follow, cached as the host is after the step. ``done``: the probe
        of the task now running, which is not read again. (The facts script goes the same
        way, with the probes of the play's first tasks.)"""
        step = ProbeRequest.of(command, env)
        with self._lock:
            head = self._claimable()
            if head is not None:
                if head.guarded.step != step or head.become != become or stdin:
                    self._otherwise()
                self._ran_ahead.pop(0)
                return head.result
            chain = self._steps_ahead(become)
            self.forget()
            skip = (step,) if done is None else (step, done)
            # The probes of the tasks whose steps go ahead too (a task whose guard stops it needs
            # its probe as the host is after the chain), and at least one after them.
            ahead = self._upcoming(skip, become, max(1 + len(chain), self.window - 1))
            self.stats.execs += 1
            if not ahead and not chain:
                return self.inner.run(command, stdin=stdin, become=become, env=env, timeout=timeout)
            self.stats.batched += len(ahead)
            marker = new_marker()
            script = batch_script([step, *ahead], marker, lead_step=True, ahead=chain)
            if chain and len(script.encode()) > STEPS_AHEAD_BYTES:  # quoted for sudo it may double: stay far below 128 KiB
                chain = ()
                script = batch_script([step, *ahead], marker, lead_step=True)
            if chain:
                stdin = guard_stdin(chain) + (stdin or b"")
            try:
                combined = self.inner.run(script, stdin=stdin, become=become, timeout=timeout)
            except ConnectError as error:
                if not chain:
                    raise
                went = "; ".join(_summary(each) for each in chain)
                raise ConnectError(f"{error.message}; so may the steps of the next tasks that went with it ({went})",
                                   host=error.host, hint=error.hint) from None
            parts = split_batch(combined, marker, 1 + len(chain) + len(ahead))
            self._ran(chain, become, parts, combined.stdout, marker)
            for index, request in enumerate(ahead, start=1 + len(chain)):
                if index in parts:
                    self._cache.setdefault(_key(request, become), parts[index])
                    self._unused += 1
        # The shell died inside the step (its section is not complete): its output as it came,
        # and never run again, for a step is not read-only.
        return parts.get(0, combined)

    # -- steps run ahead -------------------------------------------------------------------

    def _claimable(self) -> _RanAhead | None:
        """The step that ran ahead for the task the engine now runs on this host, if any."""
        ahead = _AHEAD.get()
        if not self._ran_ahead or ahead is None or ahead[0] != self.host or self._ran_ahead[0].guarded.owner is not ahead[3]:
            return None
        return self._ran_ahead[0]

    def _steps_ahead(self, become: Become | None) -> Sequence[GuardedStep]:
        """The next tasks' steps that may go with this step, made from the cache as the host
        is now (before the step). None when the engine did not say which tasks qualify, or
        when commands have a time limit (it would cover them all: a step cut off in another
        task's command, or one that runs on after its command was abandoned)."""
        ahead = _AHEAD.get()
        if ahead is None or ahead[0] != self.host or ahead[2] is None or _time_limit(self.inner) is not None:
            return ()
        return ahead[2](lambda request, wanted: self._cache.get(_key(request, wanted)), become)

    def _ran(self, chain: Sequence[GuardedStep], become: Become | None, parts: Mapping[int, CommandResult],
             stdout: bytes, marker: str) -> None:
        """Keep the result of every step of ``chain`` that ran, for its task to claim."""
        for index, guarded in enumerate(chain, start=1):
            result = parts.get(index)
            if result is None:
                if f"\n{marker} {index}\n".encode() not in stdout:
                    return  # its guard did not pass: it and the steps after it did not run
                # It started and its end was not seen (the shell died in it): never run it again.
                result = CommandResult(255, b"", b"dockyard: this step ran in the previous task's command, "
                                                 b"and its end was not seen (the shell or connection died)")
            self._ran_ahead.append(_RanAhead(guarded, become, result))
            if result.rc != 0:
                return

    def _otherwise(self) -> None:
        """The task whose step ran ahead does anything but claim it: it gets what ran."""
        with self._lock:
            head = self._claimable()
            if head is None:
                return
            self._ran_ahead.pop(0)
        raise RanAheadOtherwise(head.guarded.made, head.result)

    def unclaimed(self, task: object) -> list[str]:
        """Forget the steps that ran ahead for tasks that did not come, now that ``task`` runs
        on this host: all of them, or those before its own (the host failed, went to a rescue,
        or the play ended for it). What they did, for a warning: they ran, and cannot be undone."""
        with self._lock:
            owners = [each.guarded.owner for each in self._ran_ahead]
            keep = next((index for index, owner in enumerate(owners) if owner is task and task is not None),
                        len(owners))  # by identity: two tasks may be equal
            gone = [each.summary for each in self._ran_ahead[:keep]]
            del self._ran_ahead[:keep]
            return gone

    def left_by(self, task: object) -> tuple[Step, CommandResult] | None:
        """The step that ran ahead for ``task`` and its result, if ``task`` has had its turn
        without claiming it (its ``when`` or a template answered otherwise then); forgotten now."""
        with self._lock:
            if not self._ran_ahead or self._ran_ahead[0].guarded.owner is not task:
                return None
            head = self._ran_ahead.pop(0)
            return head.guarded.made or Step(Action.RUN, head.summary, ""), head.result

    def _upcoming(self, skip: tuple[ProbeRequest, ...], become: Become | None, limit: int) -> list[ProbeRequest]:
        """At most ``limit`` probes that the engine says come next on this host, neither in
        ``skip`` nor in the cache."""
        ahead = _AHEAD.get()
        if ahead is None or ahead[0] != self.host or limit < 1:
            return []
        found: list[ProbeRequest] = []
        for request, wanted in ahead[1]():
            if len(found) >= limit:
                break
            if wanted == become and request not in skip and request not in found \
                    and _key(request, become) not in self._cache:
                found.append(request)
        return found

    def _read_batch(self, batch: list[ProbeRequest], become: Become | None) -> dict[ProbeRequest, CommandResult]:
        self.stats.execs += 1
        first = batch[0]
        if len(batch) == 1:
            return {first: self.inner.run(first.command, become=become, env=first.env_dict())}
        self.stats.batched += len(batch)
        marker = new_marker()
        combined = self.inner.run(batch_script(batch, marker), become=become)
        parts = split_batch(combined, marker, len(batch))
        return {batch[index]: result for index, result in parts.items()}


def read_probe(conn: Connection, command: str, *, become: Become | None = None,
               env: dict[str, str] | None = None, batchable: bool = True) -> CommandResult:
    """Run a read-only probe: through the cache when ``conn`` has one."""
    if isinstance(conn, ProbingConnection):
        return conn.read(command, become=become, env=env, batchable=batchable)
    return conn.run(command, become=become, env=env)


def run_step(conn: Connection, command: str, *, stdin: bytes | None = None, become: Become | None = None,
             env: dict[str, str] | None = None, done: ProbeRequest | None = None) -> CommandResult:
    """Run a task's last step: with the upcoming probes after it when ``conn`` has a cache."""
    if isinstance(conn, ProbingConnection):
        return conn.run_step(command, stdin=stdin, become=become, env=env, done=done)
    return conn.run(command, stdin=stdin, become=become, env=env)


class ProbePool:
    """The run's connections, each behind its probe cache; one connection per host.

    Wraps a :class:`~dockyard.connection.pool.ConnectionPool` (opened lazily, closed by
    :meth:`close`). ``plan`` and ``apply`` share one pool, so that the apply reuses both
    the connections and, when nothing changed in between, the probes just read.
    """

    def __init__(self, connections: object) -> None:
        from dockyard.connection.pool import ConnectionPool

        assert isinstance(connections, ConnectionPool)
        self.connections = connections
        self._wrapped: dict[str, ProbingConnection] = {}
        self._lock = threading.Lock()

    def spec(self, name: str) -> object:
        return self.connections.spec(name)

    def get(self, name: str, *, timeout: float | None = None) -> ProbingConnection:
        inner = self.connections.get(name, timeout=timeout)
        return self.wrap(name, inner)

    def wrap(self, name: str, inner: Connection) -> ProbingConnection:
        with self._lock:
            wrapped = self._wrapped.get(name)
            if wrapped is None or wrapped.inner is not inner:
                wrapped = self._wrapped[name] = ProbingConnection(inner)
            return wrapped

    def existing(self, name: str) -> ProbingConnection | None:
        """The host's connection if the run opened one (never opens it)."""
        with self._lock:
            return self._wrapped.get(name)

    def forget_all(self) -> None:
        with self._lock:
            wrapped = list(self._wrapped.values())
        for each in wrapped:
            each.forget()

    def close(self) -> None:
        self.connections.close()
        with self._lock:
            self._wrapped.clear()
