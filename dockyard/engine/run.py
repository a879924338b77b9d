"""The run loop: plays in order, tasks in order, all hosts of a task in parallel.

Linear strategy, as Ansible's default: a task runs on every active host of the batch
(at most ``forks`` at once) before the next task starts. A host that fails leaves the
play; an unreachable host too. Handlers run at the end of pre_tasks, of roles+tasks and
of post_tasks, and at ``meta: flush_handlers``. Blocks: the hosts that fail inside
``block`` run ``rescue``; every host that entered the block runs ``always``.

Variables, templating and modules live elsewhere; this file only orders the work and
emits events (the engine never prints).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from dockyard.connection.spec import ConnectionOptions
from dockyard.engine.context import PlayContext
from dockyard.engine.events import EventSink, PlayRecap, PlayStarted, RunFinished, TaskStarted
from dockyard.engine.handlers import HandlerQueue
from dockyard.engine.hostrun import HostRunner, Tally
from dockyard.engine.parallel import DEFAULT_FORKS
from dockyard.engine.pending import WAVE
from dockyard.engine.probes import ProbePool

__all__ = ["RunOptions", "Runner"]

EXIT_OK, EXIT_FAILED, EXIT_UNREACHABLE = 0, 2, 4
T = TypeVar("T")


@dataclass(frozen=True)
class RunOptions:
    check: bool = False
    diff: bool = False
    limit: str | None = None
    tags: frozenset[str] = frozenset()
    skip_tags: frozenset[str] = frozenset()
    start_at_task: str | None = None
    forks: int = DEFAULT_FORKS
    extra_vars: dict[str, Any] = field(default_factory=dict)
    connection: ConnectionOptions = field(default_factory=ConnectionOptions)
    verbosity: int = 0


class Runner:
    """Runs a loaded playbook against an inventory and reports through ``sink``."""

    def __init__(self, playbook: Any, inventory: Any, options: RunOptions, sink: EventSink,
                 pool: ProbePool | None = None) -> None:
        self.playbook = playbook
        self.inventory = inventory
        self.options = options
        self.sink = sink
        self.hosts = HostRunner(inventory, options, sink, str(playbook.path.parent), pool)
        self.stats: dict[str, Counter[str]] = {}
        self.dead: set[str] = set()  # failed or unreachable: out for the rest of the run
        self._started = options.start_at_task is None

    def run(self) -> int:
        try:
            for play in self.playbook.plays:
                self._play(play)
        finally:
            self.hosts.close()
        self.sink.emit(PlayRecap(self.stats))
        code = self._exit_code()
        self.sink.emit(RunFinished(code, tuple(self.hosts.unpredictable)))
        return code

    def failed_hosts(self) -> list[str]:
        """Hosts that ended the run failed or unreachable (for the retry file)."""
        return [host for host, counts in self.stats.items() if counts["failed"] or counts["unreachable"]]

    def _exit_code(self) -> int:
        if any(counts["failed"] for counts in self.stats.values()):
            return EXIT_FAILED
        if any(counts["unreachable"] for counts in self.stats.values()):
            return EXIT_UNREACHABLE
        return EXIT_OK

    # -- plays ------------------------------------------------------------------------------

    def _play_hosts(self, play: Any) -> list[str]:
        hosts = [host.name for host in self.inventory.select(play.hosts)]
        if self.options.limit:
            allowed = {host.name for host in self.inventory.select(self.options.limit)}
            hosts = [name for name in hosts if name in allowed]
        return [name for name in hosts if name not in self.dead]

    def _play(self, play: Any) -> None:
        hosts = self._play_hosts(play)
        self.sink.emit(PlayStarted(play.name or "", play.hosts, tuple(hosts), self.options.check))
        for name in hosts:
            self.stats.setdefault(name, Counter())
        for batch in _batches(hosts, getattr(play, "serial", None)):
            ctx = PlayContext(play=play, hosts=list(batch), all_hosts=hosts,
                              handlers=HandlerQueue(play.handlers))
            self.hosts.start_play(ctx)
            if play.gather_facts:
                self._gather(ctx)
            for section in play.sections():
                self._nodes(ctx, section)
                self._flush(ctx)
                if ctx.ended:
                    break
            if _over_failure_limit(play, ctx):
                break

    def _gather(self, ctx: PlayContext) -> None:
        active = ctx.active()
        if not active:
            return
        self.sink.emit(TaskStarted("Gathering Facts", None, tuple(active)))
        first = next((nodes for nodes in ctx.play.sections() if nodes), ())
        upcoming = self._upcoming(first)  # their probes go with the facts, as far as known now
        for host, status in self._parallel(active, lambda host: self.hosts.gather_facts(host, upcoming)):
            self._count(ctx, host, Tally(status))

    # -- tasks ------------------------------------------------------------------------------

    def _nodes(self, ctx: PlayContext, nodes: Sequence[Any]) -> None:
        for index, node in enumerate(nodes):
            if ctx.ended or not ctx.active():
                return
            if hasattr(node, "block"):
                self._block(ctx, node)
            else:
                self._task(ctx, node, upcoming=self._upcoming(nodes[index + 1:]))

    def _upcoming(self, nodes: Sequence[Any]) -> list[Any]:
        """The plain tasks that follow, up to the next block or ``meta`` (which may end the play
        or run handlers), for probes and steps read ahead."""
        found = []
        for node in nodes:
            if hasattr(node, "block") or not self._started or node.module == "meta":
                break
            if tag_selected(frozenset(node.tags), self.options.tags,
                                                      self.options.skip_tags):
                found.append(node)
        return found

    def _block(self, ctx: PlayContext, block: Any) -> None:
        entered = ctx.active()
        ctx.push_block(rescuable=bool(block.rescue))
        self._nodes(ctx, block.block)
        failed_here = ctx.pop_block()
        if failed_here and block.rescue:
            ctx.revive(failed_here)
            ctx.push_block()
            self._nodes_on(ctx, block.rescue, failed_here)
            still_failed = ctx.pop_block()
            for host in failed_here:
                if host not in still_failed:
                    self.dead.discard(host)
            failed_here = still_failed
        if block.always:
            survivors = [h for h in entered if h not in ctx.unreachable]
            ctx.revive([h for h in failed_here if h in survivors])
            self._nodes_on(ctx, block.always, survivors)
            for host in failed_here:
                ctx.fail(host)

    def _nodes_on(self, ctx: PlayContext, nodes: Sequence[Any], hosts: Iterable[str]) -> None:
        saved = ctx.only
        ctx.only = set(hosts)
        try:
            self._nodes(ctx, nodes)
        finally:
            ctx.only = saved

    def _selected(self, task: Any) -> bool:
        if not self._started:
            if self.options.start_at_task in (task.name, task.display_name):
                self._started = True
            else:
                return False
        return tag_selected(frozenset(task.tags), self.options.tags, self.options.skip_tags)

    def _task(self, ctx: PlayContext, task: Any, *, is_handler: bool = False, hosts: list[str] | None = None,
              upcoming: Sequence[Any] = ()) -> None:
        if task.module == "meta":
            self._meta(ctx, task)
            return
        if not is_handler and not self._selected(task):
            return
        targets = hosts if hosts is not None else ctx.active()
        if getattr(task, "run_once", False):
            targets = targets[:1]
        if not targets:
            return
        self.sink.emit(TaskStarted(task.name or task.action, task.span, tuple(targets), is_handler))
        outcomes = dict(self._parallel(targets, lambda host: self.hosts.run(ctx, task, host, upcoming)))
        for host in targets:
            self._count(ctx, host, outcomes[host])
        includes = self.hosts.take_includes(task)
        for nodes, include_hosts in includes:
            self._nodes_on(ctx, nodes, include_hosts)
        if getattr(ctx.play, "any_errors_fatal", False) and any(outcomes[h] == Tally("failed") for h in targets):
            ctx.ended = True

    def _meta(self, ctx: PlayContext, task: Any) -> None:
        action = str(task.args.get("_raw_params", "")).strip()
        if action == "flush_handlers":
            self._flush(ctx)
        elif action in ("end_play", "end_batch"):
            ctx.ended = True
        elif action == "end_host":
            for host in self.hosts.hosts_meeting(ctx, task, ctx.active()):
                ctx.end_host(host)
        elif action == "clear_host_errors":
            for host in list(ctx.failed):
                ctx.revive([host])
                self.dead.discard(host)
        elif action == "clear_facts":
            self.hosts.clear_facts(ctx.active())
        elif action == "reset_connection":
            self.hosts.reset_connections(ctx.active())

    def _flush(self, ctx: PlayContext) -> None:
        while True:
            ready = ctx.handlers.take()
            if not ready:
                return
            for handler, hosts in ready:
                alive = [h for h in hosts if h in ctx.active()]
                if alive:
                    self._task(ctx, handler, is_handler=True, hosts=alive)

    # -- bookkeeping ------------------------------------------------------------------------

    def _parallel(self, hosts: Sequence[str], work: Callable[[str], T]) -> list[tuple[str, T]]:
        workers = max(1, min(self.options.forks, len(hosts)))
        # All hosts at the same moment (no more than forks): one wave (pending.py).
        wave = object() if len(hosts) <= workers else None

        def in_wave(host: str) -> T:
            WAVE.set(wave)  # this worker thread's own context
            return work(host)

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dockyard-task") as pool:
            return list(zip(hosts, pool.map(in_wave, hosts), strict=True))

    def _count(self, ctx: PlayContext, host: str, tally: Tally) -> None:
        counts = self.stats.setdefault(host, Counter())
        status = tally.status
        if tally.ignored:
            counts["ignored"] += 1
            counts["ok"] += 1
            counts["changed"] += tally.changed
            return
        if status in ("unknown", "changed"):
            counts["changed"] += 1
            counts["ok"] += 1  # Ansible's recap counts a changed task as ok too
        elif status == "failed" and ctx.is_rescuable():
            counts["rescued"] += 1  # as Ansible: a failure that a rescue will handle
        else:
            counts[status] += tally.times
        if status == "failed":
            ctx.fail(host)
            self.dead.add(host)
        elif status == "unreachable":
            ctx.unreachable.add(host)
            ctx.fail(host)
            self.dead.add(host)


def tag_selected(tags: frozenset[str], only: frozenset[str], skip: frozenset[str]) -> bool:
    """Ansible's tag rules: always, never, tagged, untagged, all; skip-tags win."""
    def matches(wanted: frozenset[str]) -> bool:
        return bool(tags & wanted) or ("tagged" in wanted and bool(tags)) or \
            ("untagged" in wanted and not tags)

    if skip and matches(skip):
        return False
    if "always" in tags:
        return True
    if not only:
        return "never" not in tags
    return matches(only) or ("all" in only and "never" not in tags)


def _batches(hosts: list[str], serial: Any) -> list[list[str]]:
    if not serial:
        return [hosts]
    sizes = list(serial) if isinstance(serial, list | tuple) else [serial]
    batches, index, position = [], 0, 0
    while position < len(hosts):
        size = sizes[min(index, len(sizes) - 1)]
        if isinstance(size, str) and size.endswith("%"):
            count = max(1, int(len(hosts) * float(size[:-1]) / 100))
        else:
            count = max(1, int(size))
        batches.append(hosts[position:position + count])
        position += count
        index += 1
    return batches


def _over_failure_limit(play: Any, ctx: PlayContext) -> bool:
    limit = getattr(play, "max_fail_percentage", None)
    if limit is None or not ctx.hosts:
        return bool(ctx.ended)
    return len(ctx.failed) * 100 / len(ctx.hosts) > float(limit)


def run_playbook(playbook: Any, inventory: Any, options: RunOptions, sink: EventSink) -> int:
    """Run ``playbook``; returns 0 ok, 2 a host failed, 4 a host unreachable."""
    return Runner(playbook, inventory, options, sink).run()
