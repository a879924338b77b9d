"""Live one-line progress for a terminal: how far a task (or the facts command) has got.

``TaskProgress`` is pure (counts in, text out), so it is tested as data; the console
output draws its line in place (``\\r`` + clear-to-end) on a terminal only, and redraws
it every second so that the elapsed time moves while hosts are still working::

    TASK [install nginx] 7/50 hosts done (5 ok, 2 changed) 3.2s
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Mapping
from typing import TextIO

__all__ = ["Progress", "TaskProgress", "progress_line"]

#: Statuses in the order a line lists them.
ORDER = ("ok", "changed", "skipped", "unknown", "failed", "unreachable")
#: A host's status when its loop items differ: the first of these that any item has.
WORST = ("unreachable", "failed", "unknown", "changed", "ok", "skipped")
CLEAR = "\r\033[K"


def progress_line(title: str, done: int, total: int, counts: Mapping[str, int], elapsed: float,
                  *, width: int = 80) -> str:
    """``TITLE d/t hosts done (n ok, m changed) 1.2s``, the title shortened to fit ``width``."""
    detail = ", ".join(f"{counts[status]} {status}" for status in
                       sorted(counts, key=lambda s: ORDER.index(s) if s in ORDER else len(ORDER))
                       if counts[status])
    rest = f" {done}/{total} hosts done" + (f" ({detail})" if detail else "") + f" {elapsed:.1f}s"
    room = max(width - len(rest) - 1, 12)
    if len(title) > room:
        title = title[:room - 1] + "…"
    return title + rest


class TaskProgress:
    """Where one task stands on its hosts; a loop's items count once per host (its worst)."""

    def __init__(self, title: str, total: int, *, started: float | None = None) -> None:
        self.title = title
        self.total = total
        self.started = time.monotonic() if started is None else started
        self.hosts: dict[str, str] = {}

    def record(self, host: str, status: str) -> None:
        previous = self.hosts.get(host)
        if previous is None or WORST.index(status) < WORST.index(previous):
            self.hosts[host] = status

    @property
    def finished(self) -> bool:
        return len(self.hosts) >= self.total

    def line(self, now: float | None = None, *, width: int = 80) -> str:
        elapsed = (time.monotonic() if now is None else now) - self.started
        return progress_line(self.title, len(self.hosts), self.total, Counter(self.hosts.values()),
                             elapsed, width=width)


class Progress:
    """``gathering facts: 7/10 hosts done (6 ok, 1 unreachable) 2.1s`` on stderr, if a terminal."""

    def __init__(self, verb: str, *, total: int, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.task = TaskProgress(f"{verb}:", total)
        self.enabled = self.stream.isatty()
        self._draw()

    def advance(self, host: str, status: str) -> None:
        self.task.record(host, status)
        self._draw()

    def _draw(self) -> None:
        if self.enabled:
            self.stream.write(CLEAR + self.task.line())
            self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write(CLEAR)
            self.stream.flush()
