"""One connection per host for a whole run, opened on first use and closed at the end."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from dockyard.connection import connection_for
from dockyard.connection.base import Connection
from dockyard.connection.hostkeys import HostKeyChecker
from dockyard.connection.spec import ConnectionOptions, ConnectionSpec, spec_from_vars

__all__ = ["ConnectionPool"]

VarsLookup = Callable[[str], Mapping[str, Any]]


class ConnectionPool:
    """Hands out the one connection of each host; safe to use from many threads."""

    def __init__(self, hostvars: VarsLookup, options: ConnectionOptions | None = None) -> None:
        self.options = options or ConnectionOptions()
        self._hostvars = hostvars
        self._checkers: dict[str, HostKeyChecker] = {}
        self._connections: dict[str, Connection] = {}
        self._specs: dict[str, ConnectionSpec] = {}
        self._lock = threading.Lock()

    def spec(self, name: str) -> ConnectionSpec:
        with self._lock:
            if name not in self._specs:
                self._specs[name] = spec_from_vars(name, self._hostvars(name), self.options)
            return self._specs[name]

    def get(self, name: str, *, timeout: float | None = None) -> Connection:
        """The host's connection, opened (raises ConnectError when unreachable).

        ``timeout``: seconds for connecting, when it is not open yet (default: the host's)."""
        spec = self.spec(name)
        with self._lock:
            connection = self._connections.get(name)
            if connection is None:
                # One checker per policy: a host may turn checking off (ansible_host_key_checking).
                checker = self._checkers.setdefault(
                    spec.host_key_checking, HostKeyChecker(spec.known_hosts, spec.host_key_checking))
                connection = connection_for(spec, checker)
                self._connections[name] = connection
        connection.open(timeout=timeout)
        return connection

    def close(self) -> None:
        with self._lock:
            connections = list(self._connections.values())
            self._connections.clear()
        for connection in connections:
            connection.close()

    def __enter__(self) -> ConnectionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
