"""Hosts and connections for the module tests: which host a test may change decides which
fixture it takes.

    shared_host   a lab host shared by the module's tests (one of the session's `lab_hosts`):
                  for tests that only touch their own paths (/tmp/<module>-..., /srv/...)
    shared_conn   dockyard's SSH connection to it, new for each test
    own_host      a new host for this test alone, removed after it: for tests that change
                  what others would see (users, packages, daemons, cron, sysctl files)
    own_conn      dockyard's SSH connection to it
    connect_to    `connect_to(host)` -> a connection to any host (a special kind, a host
                  prepared once per module); all are closed when the test ends

A test file that needs its own host prepared first overrides `own_host` and takes the
prepared one from it (pytest hands the conftest fixture of the same name to the
override); `own_conn` then connects to the prepared host::

    @pytest.fixture
    def own_host(own_host: LabHost) -> LabHost:
        own_host.exec("useradd -m bob", check=True)
        return own_host
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.connection import SSHConnection
from tests.integration.modules.contract import ConnectTo, open_connection
from tests.lab import LabHost
from tests.lab.fixtures import HostFactory

#: Which of the session's shared hosts the module tests use.
SHARED_HOST_INDEX = 3


@pytest.fixture
def connect_to(tmp_path: Path) -> Iterator[ConnectTo]:
    """Open dockyard SSH connections to lab hosts; each is closed when the test ends."""
    opened: list[SSHConnection] = []

    def connect(host: LabHost) -> SSHConnection:
        connection = open_connection(host, tmp_path)
        opened.append(connection)
        return connection

    yield connect
    for connection in opened:
        connection.close()


@pytest.fixture(scope="module")
def shared_host(lab_hosts: list[LabHost]) -> LabHost:
    return lab_hosts[SHARED_HOST_INDEX]


@pytest.fixture
def shared_conn(shared_host: LabHost, connect_to: ConnectTo) -> SSHConnection:
    return connect_to(shared_host)


@pytest.fixture
def own_host(fresh_host: HostFactory) -> LabHost:
    return fresh_host()


@pytest.fixture
def own_conn(own_host: LabHost, connect_to: ConnectTo) -> SSHConnection:
    return connect_to(own_host)
