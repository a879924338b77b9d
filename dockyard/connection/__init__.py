"""Connections to hosts: SSH (paramiko) and local, behind one protocol.

``connect(name, hostvars, options)`` resolves a host's settings (see
:mod:`dockyard.connection.spec` for which value wins) and returns an unopened
connection; :class:`~dockyard.connection.pool.ConnectionPool` keeps one per host
for a whole run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dockyard.connection.base import Become, CommandResult, Connection
from dockyard.connection.hostkeys import HostKeyChecker
from dockyard.connection.local import LocalConnection
from dockyard.connection.spec import ConnectionOptions, ConnectionSpec, spec_from_vars
from dockyard.connection.ssh import SSHConnection

__all__ = [
    "Become",
    "CommandResult",
    "Connection",
    "ConnectionOptions",
    "ConnectionSpec",
    "LocalConnection",
    "SSHConnection",
    "connect",
    "connection_for",
]


def connection_for(spec: ConnectionSpec, checker: HostKeyChecker | None = None) -> Connection:
    """An unopened connection for a resolved spec."""
    if spec.kind == "local":
        return LocalConnection(spec.name, command_timeout=spec.command_timeout)
    return SSHConnection(spec, checker=checker)


def connect(name: str, hostvars: Mapping[str, Any], options: ConnectionOptions | None = None) -> Connection:
    """An unopened connection to inventory host ``name`` with the given variables."""
    return connection_for(spec_from_vars(name, hostvars, options or ConnectionOptions()))
