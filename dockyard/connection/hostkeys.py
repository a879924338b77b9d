"""Host key verification against known_hosts, with OpenSSH's three policies.

``strict``      an unknown host is refused; add its key first (``ssh-keyscan``, or one
                ``ssh`` login). This is the default.
``accept-new``  an unknown host's key is recorded in known_hosts and accepted, like
                OpenSSH's ``StrictHostKeyChecking=accept-new``.
``off``         keys are neither checked nor recorded (throw-away labs only).

Under every policy except ``off``, a key that differs from the recorded one is refused
with a message that says what to do.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from pathlib import Path

import paramiko

from dockyard.errors import HostKeyError

__all__ = ["HostKeyChecker", "fingerprint"]

_SYSTEM_KNOWN_HOSTS = Path("/etc/ssh/ssh_known_hosts")
_append_lock = threading.Lock()


def fingerprint(key: paramiko.PKey) -> str:
    """The key's fingerprint as OpenSSH prints it: ``SHA256:...``."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _known_name(address: str, port: int) -> str:
    return address if port == 22 else f"[{address}]:{port}"


class _Strict(paramiko.MissingHostKeyPolicy):
    def __init__(self, known_hosts: Path) -> None:
        self.known_hosts = known_hosts

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        scan = hostname
        port_flag = ""
        if hostname.startswith("["):
            scan, _, port = hostname[1:].partition("]:")
            port_flag = f"-p {port} "
        raise HostKeyError(
            f"host key of {hostname} is not known ({key.get_name()} {fingerprint(key)})",
            hint=f"check the fingerprint, then add it with 'ssh-keyscan {port_flag}{scan} >> "
            f"{self.known_hosts}', or run with --host-key-checking accept-new to record "
            "unknown keys on first contact",
        )


class _AcceptNew(paramiko.MissingHostKeyPolicy):
    def __init__(self, known_hosts: Path) -> None:
        self.known_hosts = known_hosts

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        line = f"{hostname} {key.get_name()} {key.get_base64()}\n"
        with _append_lock:
            self.known_hosts.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.known_hosts, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="ascii") as handle:
                handle.write(line)
        client.get_host_keys().add(hostname, key.get_name(), key)


class _Off(paramiko.MissingHostKeyPolicy):
    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        return None


class HostKeyChecker:
    """Prepares each paramiko client for one policy and explains refused keys."""

    def __init__(self, known_hosts: Path, policy: str = "strict") -> None:
        self.known_hosts = known_hosts
        self.policy = policy

    def prepare(self, client: paramiko.SSHClient) -> None:
        if self.policy == "off":
            client.set_missing_host_key_policy(_Off())
            return
        if _SYSTEM_KNOWN_HOSTS.is_file():
            client.load_system_host_keys(str(_SYSTEM_KNOWN_HOSTS))
        if self.known_hosts.is_file():
            with _append_lock:
                client.get_host_keys().load(str(self.known_hosts))
        if self.policy == "accept-new":
            client.set_missing_host_key_policy(_AcceptNew(self.known_hosts))
        else:
            client.set_missing_host_key_policy(_Strict(self.known_hosts))

    def changed_key_error(
        self, host: str, address: str, port: int, exc: paramiko.BadHostKeyException
    ) -> HostKeyError:
        name = _known_name(address, port)
        return HostKeyError(
            f"HOST KEY CHANGED for {name}: known_hosts has {fingerprint(exc.expected_key)}, "
            f"the host now offers {exc.key.get_name()} {fingerprint(exc.key)}; refusing to connect",
            host=host,
            hint="someone may be intercepting the connection. If the host was reinstalled or "
            f"recreated, remove the old key with \"ssh-keygen -f {self.known_hosts} -R '{name}'\" "
            "and connect again",
        )
