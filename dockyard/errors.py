"""The errors dockyard raises, and how they are drawn for a person.

Every error a user can cause is a :class:`DockyardError`. It carries where it came
from (a :class:`~dockyard.source.Span`), which host it concerns, and a hint that says
what to do. The CLI renders them; a Python traceback reaching a user is a bug.

::

    DockyardError
    ├── DiagnosticsError      several load-time problems reported together
    ├── InventoryError        inventory files, host patterns, variables
    ├── PlaybookError         playbooks, task files, roles, templates
    ├── ConnectError          cannot reach or authenticate to a host
    │   └── HostKeyError      the host key is unknown (strict) or has changed
    ├── CommandError          a command on a host failed (keeps the result)
    ├── FactError             the facts script printed something unparseable
    ├── ModuleError           a module's arguments or run-time failure
    ├── ProviderError         libvirt / OpenStack
    └── PullError             dockyard pull: the git repository or its checkout
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dockyard.source import Span

__all__ = [
    "CommandError",
    "ConnectError",
    "Diagnostics",
    "DiagnosticsError",
    "DockyardError",
    "FactError",
    "HostKeyError",
    "InventoryError",
    "ModuleError",
    "PlaybookError",
    "ProviderError",
    "PullError",
]


class DockyardError(Exception):
    """A problem a user can act on: message, where, which host, and a hint."""

    def __init__(
        self,
        message: str,
        *,
        span: Span | None = None,
        host: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.host = host
        self.hint = hint

    def __str__(self) -> str:
        where = f"{self.span}: " if self.span is not None else ""
        who = f"[{self.host}] " if self.host else ""
        return f"{who}{where}{self.message}"


class InventoryError(DockyardError):
    """An inventory file, a host pattern or a variable file is wrong."""


class PlaybookError(DockyardError):
    """A playbook, task file, role or template is wrong."""


class ConnectError(DockyardError):
    """A host cannot be reached or refused us; the host counts as unreachable."""


class HostKeyError(ConnectError):
    """The host's key is unknown under the strict policy, or differs from known_hosts."""


class CommandError(DockyardError):
    """A command failed on a host; ``rc``, ``stdout`` and ``stderr`` are kept."""

    def __init__(
        self,
        message: str,
        *,
        rc: int,
        stdout: str = "",
        stderr: str = "",
        span: Span | None = None,
        host: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, span=span, host=host, hint=hint)
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr


class FactError(DockyardError):
    """The facts a host reported could not be read."""


class ModuleError(DockyardError):
    """A module's arguments are wrong, or the module failed on a host."""


class ProviderError(DockyardError):
    """A VM provider (libvirt, OpenStack) failed or refused."""


class PullError(DockyardError):
    """``dockyard pull`` cannot fetch the repository or use its checkout."""


class DiagnosticsError(DockyardError):
    """Several problems found while loading, reported together."""

    def __init__(self, errors: Iterable[DockyardError]) -> None:
        self.errors = list(errors)
        count = len(self.errors)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} found")

    def __iter__(self) -> Iterator[DockyardError]:
        return iter(self.errors)


class Diagnostics:
    """Collects load-time errors so that all of them are reported at once."""

    def __init__(self) -> None:
        self.errors: list[DockyardError] = []

    def add(self, error: DockyardError) -> None:
        self.errors.append(error)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        """Raise the single error, or a :class:`DiagnosticsError` holding all of them."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise DiagnosticsError(self.errors)
