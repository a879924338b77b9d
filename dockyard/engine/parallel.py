"""Run one piece of work on many hosts at once, at most ``forks`` at a time.

Every host gets an outcome: ``ok`` with the work's value, ``failed`` with the error,
or ``unreachable`` when its connection could not be opened. One host's failure never
stops the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

from dockyard.connection.base import Connection
from dockyard.connection.pool import ConnectionPool
from dockyard.errors import ConnectError, DockyardError

__all__ = ["DEFAULT_FORKS", "HostOutcome", "for_each_host"]

DEFAULT_FORKS = 50
T = TypeVar("T")


@dataclass(frozen=True)
class HostOutcome(Generic[T]):
    host: str
    status: str  # "ok" | "failed" | "unreachable"
    value: T | None = None
    error: DockyardError | None = None


def _one(pool: ConnectionPool, host: str, work: Callable[[str, Connection], T]) -> HostOutcome[T]:
    try:
        connection = pool.get(host)
    except ConnectError as error:
        return HostOutcome(host, "unreachable", error=error)
    except DockyardError as error:
        return HostOutcome(host, "failed", error=error)
    try:
        return HostOutcome(host, "ok", value=work(host, connection))
    except ConnectError as error:
        return HostOutcome(host, "unreachable", error=error)
    except DockyardError as error:
        error.host = error.host or host
        return HostOutcome(host, "failed", error=error)


def for_each_host(
    hosts: Sequence[str],
    pool: ConnectionPool,
    work: Callable[[str, Connection], T],
    *,
    forks: int = DEFAULT_FORKS,
) -> Iterator[HostOutcome[T]]:
    """Yield each host's outcome as soon as it is known (completion order)."""
    if not hosts:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(forks, len(hosts))),
                            thread_name_prefix="dockyard-host") as executor:
        pending: set[Future[HostOutcome[T]]] = {
            executor.submit(_one, pool, host, work) for host in hosts
        }
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
