"""Reference SSH clients for lab hosts: plain OpenSSH and plain paramiko, no dockyard code.

A test uses them to check the lab itself, or to compare what dockyard did with what a
well-known client sees. The pytest fixtures `openssh` and `paramiko_connect`
(tests/integration/conftest.py) wrap these functions.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import paramiko

from tests.lab.host import LabHost

OPENSSH_OPTIONS = (
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "BatchMode=yes",
    "-o", "ConnectTimeout=10",
    "-o", "LogLevel=ERROR",
)  # fmt: skip

# The shapes of the `openssh` and `paramiko_connect` fixtures, for test annotations.
OpenSsh = Callable[..., subprocess.CompletedProcess[str]]
ParamikoConnect = Callable[..., paramiko.SSHClient]


def openssh_run(
    host: LabHost, command: str, *, key: Path, user: str | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`ssh -i KEY user@address COMMAND` with host key checking off; one exec request."""
    argv = ["ssh", "-i", str(key), *OPENSSH_OPTIONS, "-p", str(host.port)]
    argv += [f"{user or host.user}@{host.address}", command]
    return subprocess.run(
        argv, input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def paramiko_client(
    host: LabHost, *, key: Path | None, user: str | None = None, password: str | None = None
) -> paramiko.SSHClient:
    """A connected paramiko client: key auth with `key`, or password auth only (`key=None`)."""
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        client.connect(
            host.address,
            port=host.port,
            username=user or host.user,
            password=password,
            key_filename=None if key is None else str(key),
            look_for_keys=False,
            allow_agent=False,
            timeout=10,
        )
    except BaseException:
        client.close()
        raise
    return client


def run_command(client: paramiko.SSHClient, command: str, stdin: str = "") -> tuple[int, str, str]:
    """One exec request on an open connection: (exit status, stdout, stderr)."""
    channel_in, channel_out, channel_err = client.exec_command(command, timeout=30)
    if stdin:
        channel_in.write(stdin)
    channel_in.channel.shutdown_write()
    out = channel_out.read().decode()
    err = channel_err.read().decode()
    return channel_out.channel.recv_exit_status(), out, err
