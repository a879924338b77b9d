"""A one-line progress display on stderr, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """``gathering facts: 7/10 hosts (6 ok, 1 unreachable) 2.1s``, redrawn in place."""

    def __init__(self, verb: str, *, total: int, stream: TextIO | None = None) -> None:
        self.verb = verb
        self.total = total
        self.stream = stream or sys.stderr
        self.counts: Counter[str] = Counter()
        self.started = time.monotonic()
        self.enabled = self.stream.isatty()
        self._draw()

    def advance(self, status: str) -> None:
        self.counts[status] += 1
        self._draw()

    def _draw(self) -> None:
        if not self.enabled:
            return
        done = sum(self.counts.values())
        detail = ", ".join(f"{count} {status}" for status, count in sorted(self.counts.items()))
        elapsed = time.monotonic() - self.started
        line = f"{self.verb}: {done}/{self.total} hosts" + (f" ({detail})" if detail else "")
        self.stream.write(f"\r\033[K{line} {elapsed:.1f}s")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()
