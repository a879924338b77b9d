"""The local connection: the same interface as SSH, for ``ansible_connection=local``."""

from __future__ import annotations

import os
import subprocess

from dockyard.connection.base import Become, CommandResult
from dockyard.connection.shell import AtomicPut, become_command
from dockyard.errors import ConnectError

__all__ = ["LocalConnection"]


class LocalConnection(AtomicPut):
    """Runs commands with /bin/sh on the controller itself."""

    def __init__(self, host: str = "localhost", *, command_timeout: float | None = None) -> None:
        self.host = host
        self.command_timeout = command_timeout

    def open(self, *, timeout: float | None = None) -> None:
        if not os.path.exists("/bin/sh"):
            raise ConnectError("/bin/sh not found on the controller", host=self.host)

    def run(
        self,
        command: str,
        *,
        stdin: bytes | None = None,
        become: Become | None = None,
        timeout: float | None = None,
        env: dict[str, str] | None = None,
    ) -> CommandResult:
        full, payload = become_command(command, become, env)
        data = payload + (stdin or b"")
        try:
            proc = subprocess.run(
                ["/bin/sh", "-c", full],
                input=data,
                capture_output=True,
                timeout=timeout if timeout is not None else self.command_timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return CommandResult(
                124, b"", f"command timed out after {timeout or self.command_timeout}s".encode()
            )
        return CommandResult(proc.returncode, proc.stdout, proc.stderr)

    def close(self) -> None:
        return None
