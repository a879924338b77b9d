"""The Connection protocol: what every transport (SSH, local) offers the layers above.

A connection runs shell commands and writes files atomically on one host. It is
opened once per host and reused by every command of a run. Become (sudo) is a
property of each call, so that one connection serves tasks with and without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

__all__ = ["Become", "CommandResult", "Connection"]


@dataclass(frozen=True, slots=True)
class CommandResult:
    """What a command left behind: exit code, and its output as bytes."""

    rc: int
    stdout: bytes
    stderr: bytes

    @property
    def ok(self) -> bool:
        return self.rc == 0

    def text(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")

    def error_text(self) -> str:
        return self.stderr.decode("utf-8", errors="replace")

    def tail(self, lines: int = 5) -> str:
        """The last lines of stderr (or stdout when stderr is empty), for error messages."""
        source = self.error_text().strip() or self.text().strip()
        return "\n".join(source.splitlines()[-lines:])


@dataclass(frozen=True, slots=True)
class Become:
    """Run as another user through sudo. The password is never put on a command line."""

    user: str = "root"
    method: str = "sudo"
    password: str | None = field(default=None, repr=False)
    flags: str = ""


@runtime_checkable
class Connection(Protocol):
    """One host, one open transport, many commands."""

    host: str

    def open(self, *, timeout: float | None = None) -> None:
        """Connect now (raises ConnectError / HostKeyError); later calls are no-ops while the
        connection is up. ``timeout``: seconds for this attempt instead of the host's setting."""

    def run(
        self,
        command: str,
        *,
        stdin: bytes | None = None,
        become: Become | None = None,
        timeout: float | None = None,
        env: dict[str, str] | None = None,
    ) -> CommandResult:
        """Run ``command`` with /bin/sh on the host and wait for it."""
        ...

    def put(
        self,
        data: bytes,
        path: str,
        *,
        mode: int | None = None,
        owner: str | None = None,
        group: str | None = None,
        become: Become | None = None,
    ) -> None:
        """Write ``data`` to ``path`` atomically: temp file beside it, chmod/chown, rename."""
        ...

    def close(self) -> None:
        """Close the transport; the connection may be opened again."""
