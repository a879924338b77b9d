"""Check mode and plan: the paths that earlier tasks would change, and the tasks that read them.

In check mode nothing changes, so a task reads the host as it is *before* the earlier
tasks' changes. That reading is right for a file inside a directory the plan creates
(the file is absent either way), and wrong when the earlier change is to the same path
or below it::

    - file: {path: /srv/a/b/c, state: directory}   # plan: create (/srv/a too)
    - file: {path: /srv/a, mode: "0750"}           # reads "/srv/a does not exist": wrong
    - copy: {dest: /srv/keep, content: x, force: false}
    - copy: {dest: /srv/keep, content: y, force: false}   # reads "absent": wrong

So, per host, :class:`PendingChanges` remembers the paths (``path``, ``dest``,
``creates``, ``removes``) of every task that would change something; a later task whose
own path is one of them, or above one of them, is not read at all and is shown as
"known after apply", naming the earlier task. Its path is then pending too.

A command that would run may change anything, unless it names what it creates or
removes (``creates``/``removes``) or says it changes nothing (``changed_when: false``):
after it, every task that reads the host is known only after apply.
"""

from __future__ import annotations

import contextvars
import posixpath
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PATH_ARGS", "WAVE", "PendingChanges", "declares_no_change", "target_paths"]

WAVE: contextvars.ContextVar[object | None] = contextvars.ContextVar("dockyard_wave", default=None)
"""Set by the runner while a task runs on hosts that all run it at the same moment (one batch,
no more hosts than forks): a token shared by those hosts, None otherwise."""

PATH_ARGS = ("path", "dest", "creates", "removes")


def target_paths(args: Mapping[str, Any]) -> list[str]:
    """The absolute paths on the host that a task's arguments name."""
    found = []
    for name in PATH_ARGS:
        value = args.get(name)
        if isinstance(value, str) and value.startswith("/"):
            found.append(posixpath.normpath(value))
    return found


def _covers(path: str, changed: str) -> bool:
    """Does a change to ``changed`` change what reading ``path`` shows (same, or below it)?"""
    return changed == path or changed.startswith(path.rstrip("/") + "/")


@dataclass
class PendingChanges:
    """One host's paths that earlier tasks would change, with the task that would.

    ``everything``: a command that would run and may change anything (no ``creates`` or
    ``removes``, and not ``changed_when: false``); every later task reading the host
    depends on it.

    With ``delegate_to`` several hosts' threads run one task against the same host at once:
    what that task would change for one of them is not "earlier" for the others when they
    all run it at the same moment (one :data:`WAVE`), so a change is kept with the task
    object, host and wave that made it (``by``), and the same task for another host of that
    wave does not depend on it. The same task for the same host does (a loop's later items
    follow its earlier ones), and so does a host of a later ``serial`` batch, or one that
    waits for a free fork: in apply too it runs after.
    """

    changes: list[tuple[str, str, object]] = field(default_factory=list)
    everything: list[tuple[str, object]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def changed_before(self, paths: list[str], *, reads_host: bool = True,
                       by: object = None) -> tuple[str, str] | None:
        """(path, task) of the first earlier change that reading ``paths`` depends on;
        ``by``: (task, host) now running (its own changes for other hosts do not count)."""
        with self._lock:
            if reads_host:
                for task, maker in self.everything:
                    if _earlier(maker, by):
                        return "the host", task
            for path in paths:
                for changed, task, maker in self.changes:
                    if _covers(path, changed) and _earlier(maker, by):
                        return changed, task
        return None

    def add(self, paths: list[str], task: str, *, by: object = None) -> None:
        with self._lock:
            self.changes += [(path, task, by) for path in paths]

    def add_everything(self, task: str, *, by: object = None) -> None:
        with self._lock:
            self.everything.append((task, by))


def _earlier(maker: object, by: object) -> bool:
    """Does a change made by ``maker`` (task, host, wave) come before ``by``'s reading?"""
    if not (isinstance(maker, tuple) and isinstance(by, tuple)):
        return True
    same_task, other_host = maker[0] is by[0], maker[1] != by[1]
    at_once = maker[2] is not None and maker[2] is by[2]
    return not (same_task and other_host and at_once)


def declares_no_change(changed_when: tuple[object, ...]) -> bool:
    """``changed_when: false``: the task says it changes nothing (a command that only reads)."""
    return bool(changed_when) and all(str(c).strip().lower() in ("false", "no", "off", "0")
                                      for c in changed_when)
