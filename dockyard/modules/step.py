"""What a module wants done on a host, as plain data: Actions, Steps, Diffs.

This lives with the modules (which produce steps) rather than in the engine (which runs
them) so that imports point downward only: modules never import the engine.

A module's ``steps()`` returns a list of :class:`Step`; an empty list means the host
already is as declared (``ok``). Check mode prints the steps; apply runs them, in order,
each as one shell command with optional stdin. Nothing else runs on a host, so check
mode, ``--diff`` and ``plan`` are exact by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Action", "Diff", "Step"]


class Action(StrEnum):
    """The kind of change a step makes, as a plan shows it."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RUN = "run"


@dataclass(frozen=True)
class Diff:
    """Before/after text of one thing (a file's content, a line, a set of attributes)."""

    before: str
    after: str
    before_header: str = "before"
    after_header: str = "after"

    def unified(self) -> str:
        import difflib

        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            fromfile=self.before_header,
            tofile=self.after_header,
        )
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                       for line in lines)


@dataclass(frozen=True)
class Step:
    """One change: a shell command (with stdin) that makes part of the host as declared.

    ``summary`` is what a plan prints ("create directory /srv/app (mode 0755)").
    ``stdin`` carries file contents; it is never printed. ``sensitive`` steps (no_log,
    passwords) show only their summary, never diffs. Steps of a resource module (a VM, a
    cloud server) have no command: ``operation`` carries what the module's ``apply`` does.
    """

    action: Action
    summary: str
    command: str
    stdin: bytes = field(default=b"", repr=False)
    diff: Diff | None = None
    sensitive: bool = False
    operation: object = field(default=None, repr=False, compare=False)
