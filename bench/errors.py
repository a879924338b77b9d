"""`BenchError`: the benchmark cannot go on, and says why (and, where it can, how to fix it)."""

from __future__ import annotations


class BenchError(Exception):
    """A failed tool run, a host in the wrong state, a missing tool: the run stops here."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
