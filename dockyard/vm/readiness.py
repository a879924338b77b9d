"""Waiting until a new machine's sshd lets its user in: provider-independent.

Two stages, polled once a second: a TCP connection that reads an ``SSH-`` banner (user-mode
networking accepts TCP on the forwarded port long before the guest listens, so a plain
connect proves nothing), then a key login as the machine's user that runs nothing. The key
is ``key_file`` when given, else the SSH agent and the usual ``~/.ssh`` keys; the host key
is accepted without being stored (this only asks "is it up?"; plays check host keys).

A progress line goes out every ``report_every`` seconds ("vm1: waiting for ssh (40 s)").
When the machine stops or the time runs out, the ProviderError carries the reason and, as
its hint, the last lines of the serial console.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import paramiko

from dockyard.errors import ProviderError
from dockyard.vm.spec import SshAddress

__all__ = ["SshWait", "console_tail"]

Progress = Callable[[str], None]


def console_tail(path: str, lines: int = 15) -> str:
    """The last ``lines`` lines of a console log ("" when it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            handle.seek(max(0, handle.tell() - 16384))
            text = handle.read().decode(errors="replace")
    except OSError:
        return ""
    kept = [line.rstrip("\r") for line in text.splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


class _AcceptOnce(paramiko.MissingHostKeyPolicy):
    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        return None


@dataclass
class SshWait:
    """One machine's wait. ``is_running`` says whether the machine still runs; ``console`` gives
    the tail of its console for an error."""

    name: str
    address: SshAddress
    user: str
    key_file: str | None = None
    is_running: Callable[[], bool] = lambda: True
    console: Callable[[], str] = lambda: ""
    report_every: float = 10.0
    last_problem: str = "no answer yet"

    def _banner(self) -> bool:
        try:
            with socket.create_connection((self.address.host, self.address.port), timeout=3) as sock:
                sock.settimeout(5)
                answered = sock.recv(4).startswith(b"SSH-")
        except OSError as error:
            self.last_problem = f"tcp: {error.strerror or error}"
            return False
        if not answered:
            self.last_problem = "the port accepts TCP but no sshd answers yet"
        return answered

    def _login(self) -> bool:
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(_AcceptOnce())
        try:
            client.connect(self.address.host, self.address.port, username=self.user,
                           key_filename=self.key_file, look_for_keys=self.key_file is None,
                           allow_agent=self.key_file is None, timeout=20, banner_timeout=30,
                           auth_timeout=30)
            client.exec_command("true", timeout=30)[1].channel.recv_exit_status()
            return True
        except paramiko.AuthenticationException:
            self.last_problem = f"sshd answers but refuses a key login as {self.user}"
        except (OSError, paramiko.SSHException, EOFError) as error:
            self.last_problem = f"ssh: {error}"
        finally:
            client.close()
        return False

    def _fail(self, why: str) -> ProviderError:
        tail = self.console()
        hint = f"last lines of its serial console:\n{tail}" if tail else "its serial console is empty or unreadable"
        return ProviderError(f"vm {self.name}: {why} ({self.last_problem})", hint=hint)

    def run(self, timeout: float, progress: Progress) -> float:
        """Wait; return the seconds it took, or raise ProviderError."""
        started = time.monotonic()
        next_report = started + self.report_every
        while True:
            if self._banner() and self._login():
                took = time.monotonic() - started
                progress(f"{self.name}: ssh ready on {self.address} after {took:.0f} s")
                return took
            now = time.monotonic()
            if not self.is_running():
                raise self._fail("stopped while waiting for ssh")
            if now - started > timeout:
                raise self._fail(f"no ssh on {self.address} after {timeout:.0f} s")
            if now >= next_report:
                progress(f"{self.name}: waiting for ssh ({now - started:.0f} s)")
                next_report = now + self.report_every
            time.sleep(1)
