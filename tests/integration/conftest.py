"""Fixtures for integration tests: reference SSH clients (tests/lab/clients.py) bound to
the lab key. The lab fixtures themselves (lab, lab_hosts, fresh_host, ...) live in
tests/conftest.py.

    openssh(host, "id -un")                      -> CompletedProcess of the OpenSSH client
    paramiko_connect(host)                       -> connected paramiko.SSHClient, key auth
    paramiko_connect(host, password="dockyard")  -> password auth only (no key, no agent)
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from tests.lab import LabHost
from tests.lab.clients import OpenSsh, ParamikoConnect, openssh_run, paramiko_client


@pytest.fixture
def openssh(lab_key: Path) -> OpenSsh:
    """Run one command on a lab host with the OpenSSH client and the lab key."""

    def run(
        host: LabHost, command: str, *, user: str | None = None, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return openssh_run(host, command, key=lab_key, user=user, stdin=stdin)

    return run


@pytest.fixture
def paramiko_connect(lab_key: Path) -> Iterator[ParamikoConnect]:
    """Open paramiko connections to lab hosts; all are closed when the test ends."""
    clients: list[paramiko.SSHClient] = []

    def connect(
        host: LabHost, *, user: str | None = None, password: str | None = None
    ) -> paramiko.SSHClient:
        key = None if password is not None else lab_key
        client = paramiko_client(host, key=key, user=user, password=password)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()
