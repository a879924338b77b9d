"""SSH through paramiko: one persistent connection per host, reused by every command.

Each :meth:`SSHConnection.run` is one SSH ``exec`` request on the open transport, so
a command costs one round trip and no new handshake. Files are written with
:func:`~dockyard.connection.shell.atomic_write_command` over the same kind of
request (no SFTP subsystem needed on the target).

Host keys are checked against ``known_hosts`` (see :mod:`dockyard.connection.hostkeys`).
Authentication tries, in order: the key files given, ssh-agent, the default keys in
``~/.ssh``, then the password.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import socket
import threading
import time
from typing import Any, cast

import paramiko

from dockyard.connection.base import Become, CommandResult
from dockyard.connection.hostkeys import HostKeyChecker
from dockyard.connection.shell import AtomicPut, become_command, without_env_values
from dockyard.connection.spec import ConnectionSpec, ssh_config_for
from dockyard.errors import ConnectError

__all__ = ["SSHConnection", "parse_jump"]

log = logging.getLogger("dockyard.ssh")
logging.getLogger("paramiko").setLevel(logging.CRITICAL)

TIMEOUT_RC = 124
_SEND_IN_THREAD = 256 * 1024
MAX_SESSIONS = 8
"""Commands at once on one connection (hosts delegating to one host share it): below
OpenSSH's default ``MaxSessions 10``, past which sshd refuses new channels."""


def parse_jump(value: str, default_user: str) -> list[tuple[str, str, int]]:
    """``ProxyJump`` text (``user@host:port,host2``) as a list of (user, host, port)."""
    hops = []
    for part in value.split(","):
        part = part.strip().removeprefix("ssh://")
        user, _, hostport = part.rpartition("@")
        host, port = hostport, 22
        if hostport.startswith("["):
            host, _, rest = hostport[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") else 22
        elif hostport.count(":") == 1:
            host, _, port_text = hostport.partition(":")
            port = int(port_text)
        hops.append((user or default_user, host, port))
    return hops


class SSHConnection(AtomicPut):
    """A persistent paramiko connection to one inventory host."""

    def __init__(self, spec: ConnectionSpec, *, checker: HostKeyChecker | None = None) -> None:
        self.spec = spec
        self.host = spec.name
        self.exec_count = 0
        self._checker = checker or HostKeyChecker(spec.known_hosts, spec.host_key_checking)
        self._client: paramiko.SSHClient | None = None
        self._jumps: list[paramiko.SSHClient] = []
        self._lock = threading.Lock()
        self._sessions = threading.BoundedSemaphore(MAX_SESSIONS)

    # -- connecting -------------------------------------------------------------------------

    def open(self, *, timeout: float | None = None) -> None:
        limit = self.spec.connect_timeout if timeout is None else timeout
        with self._lock:
            if self._is_open():
                return
            self._close_clients()
            sock: Any = None
            if self.spec.proxy_jump and self.spec.proxy_jump.lower() != "none":
                sock = self._open_jumps(self.spec.proxy_jump, limit)
            self._client = self._connect(self.spec.address, self.spec.port, self.spec.user, sock,
                                         limit=limit)

    def _is_open(self) -> bool:
        transport = self._client.get_transport() if self._client else None
        return bool(transport and transport.is_active())

    def _open_jumps(self, jump: str, limit: float) -> Any:
        """Connect through each ProxyJump hop in turn; each hop is looked up in ssh config."""
        sock: Any = None
        hops = []
        for user, name, port in parse_jump(jump, ""):
            config = ssh_config_for(self.spec.ssh_config, name)
            keys = tuple(os.path.expanduser(path) for path in config.get("identityfile", ()))
            hops.append((user or config.get("user") or self.spec.user,
                         config.get("hostname") or name,
                         int(config["port"]) if port == 22 and "port" in config else port,
                         keys or self.spec.key_files))
        targets = [(address, port) for _, address, port, _ in hops[1:]]
        targets.append((self.spec.address, self.spec.port))
        for (user, address, port, keys), target in zip(hops, targets, strict=True):
            client = self._connect(address, port, user, sock, keys, limit=limit)
            self._jumps.append(client)
            transport = client.get_transport()
            assert transport is not None
            try:
                sock = transport.open_channel("direct-tcpip", target, ("127.0.0.1", 0),
                                              timeout=limit)
            except (paramiko.SSHException, OSError) as exc:
                raise ConnectError(
                    f"jump host {address} cannot reach {target[0]}:{target[1]}: {exc}",
                    host=self.host,
                    hint="check ProxyJump in ~/.ssh/config and that the jump host may forward",
                ) from None
        return sock

    def _connect(
        self, address: str, port: int, user: str, sock: Any, keys: tuple[str, ...] | None = None,
        *, limit: float,
    ) -> paramiko.SSHClient:
        spec = self.spec
        key_files = spec.key_files if keys is None else keys
        started = time.monotonic()
        client = paramiko.SSHClient()
        self._checker.prepare(client)
        try:
            if sock is None:
                # Without TCP_NODELAY every small SSH packet waits out the peer's delayed ACK
                # (about 40 ms per channel open on Linux); commands are latency-bound.
                sock = socket.create_connection((address, port), timeout=limit)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            client.connect(
                address,
                port=port,
                username=user,
                password=spec.password,
                key_filename=cast(Any, list(key_files) or None),  # stubs say str; list works
                timeout=limit,
                banner_timeout=limit,
                auth_timeout=limit,
                allow_agent=spec.use_agent,
                look_for_keys=spec.look_for_keys,
                sock=sock,
            )
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise self._checker.changed_key_error(self.host, address, port, exc) from None
        except BaseException as exc:
            client.close()
            slow = time.monotonic() - started >= limit * 0.9
            error = self._connect_error(exc, user, address, port, limit, slow=slow)
            if error is None:
                raise
            raise error from None
        transport = client.get_transport()
        if transport is not None:
            transport.set_keepalive(30)
        log.debug("connected to %s@%s:%s", user, address, port)
        return client

    def _connect_error(
        self, exc: BaseException, user: str, address: str, port: int, limit: float, *, slow: bool
    ) -> ConnectError | None:
        where = f"{address}:{port}"
        if isinstance(exc, ConnectError):
            exc.host = exc.host or self.host
            return exc
        if isinstance(exc, paramiko.AuthenticationException):
            return ConnectError(
                f"authentication failed for {user}@{where}",
                host=self.host,
                hint="check ansible_user and ansible_ssh_private_key_file (or ansible_password); "
                "the public key must be in the user's ~/.ssh/authorized_keys",
            )
        if isinstance(exc, TimeoutError | socket.timeout) or (
            slow and isinstance(exc, paramiko.SSHException | EOFError)
        ):
            return ConnectError(
                f"connection to {where} timed out after {limit:g}s",
                host=self.host,
                hint="is the host up, and is ansible_host/ansible_port right?",
            )
        if isinstance(exc, paramiko.ssh_exception.NoValidConnectionsError | ConnectionRefusedError):
            return ConnectError(f"connection to {where} refused", host=self.host,
                                hint="is sshd running on that port?")
        if isinstance(exc, socket.gaierror):
            return ConnectError(f"cannot resolve {address!r}: {exc.strerror}", host=self.host,
                                hint="check ansible_host, or the name in DNS / /etc/hosts")
        if isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return ConnectError(f"no route to {where}", host=self.host)
        if isinstance(exc, paramiko.SSHException | OSError | EOFError):
            return ConnectError(f"SSH to {where} failed: {exc or type(exc).__name__}", host=self.host)
        return None

    def _transport(self) -> tuple[paramiko.SSHClient, paramiko.Transport]:
        """The open client and its transport, read together under the lock (threads of
        several hosts delegating to this one share it; another may be reconnecting)."""
        while True:
            self.open()
            with self._lock:
                client = self._client
                transport = client.get_transport() if client is not None else None
            if client is not None and transport is not None:
                return client, transport

    def _drop(self, client: paramiko.SSHClient) -> None:
        """Close ``client`` if it is still the current one (not one another thread just opened)."""
        with self._lock:
            if self._client is client:
                self._close_clients()

    # -- commands ---------------------------------------------------------------------------

    def run(
        self,
        command: str,
        *,
        stdin: bytes | None = None,
        become: Become | None = None,
        timeout: float | None = None,
        env: dict[str, str] | None = None,
    ) -> CommandResult:
        full, prefix = become_command(command, become, env)
        limit = timeout if timeout is not None else self.spec.command_timeout
        with self._sessions:
            channel = self._start(full)
            self.exec_count += 1
            log.debug("[%s] exec #%d: %s", self.host, self.exec_count, without_env_values(command))
            with channel:
                result = _communicate(channel, prefix + (stdin or b""), limit)
        if result.rc == -1 and not self._is_open():
            raise ConnectError("the connection was lost while a command ran; it may or may not "
                               "have completed", host=self.host,
                               hint="the host may have rebooted, or sshd or the network went away")
        return result

    def _start(self, command: str) -> paramiko.Channel:
        """Open a channel and send the exec request; reconnect once if the connection died.

        Retrying is safe only here, before the command was sent: a command is never run twice.
        """
        for attempt in (1, 2):
            client, transport = self._transport()
            try:
                channel = transport.open_session(timeout=self.spec.connect_timeout)
            except (paramiko.SSHException, OSError, EOFError) as exc:
                if transport.is_active():  # alive, but it refused a channel: keep it (others use it)
                    if attempt == 2:
                        raise ConnectError(f"the host refused a new session: {exc}", host=self.host,
                                           hint=f"its sshd allows fewer than {MAX_SESSIONS} sessions per "
                                                "connection (MaxSessions), or is overloaded") from None
                    time.sleep(0.5)
                    continue
                self._drop(client)
                if attempt == 2:
                    raise ConnectError(f"lost the connection: {exc}", host=self.host,
                                       hint="the host may have rebooted or sshd restarted") from None
                log.debug("[%s] connection lost (%s); reconnecting", self.host, exc)
                continue
            try:
                channel.exec_command(command)
            except (paramiko.SSHException, OSError, EOFError) as exc:
                raise ConnectError(f"lost the connection: {exc}", host=self.host) from None
            return channel
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        with self._lock:
            self._close_clients()

    def _close_clients(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        for jump in reversed(self._jumps):
            jump.close()
        self._jumps = []


def _send_all(channel: paramiko.Channel, data: bytes) -> None:
    try:
        if data:
            channel.sendall(data)
        channel.shutdown_write()
    except (OSError, paramiko.SSHException):
        pass  # the command exited without reading all of its input


def _communicate(channel: paramiko.Channel, data: bytes, timeout: float | None) -> CommandResult:
    """Send stdin, collect stdout/stderr until the command exits, honouring ``timeout``."""
    sender = None
    if len(data) > _SEND_IN_THREAD:
        sender = threading.Thread(target=_send_all, args=(channel, data), daemon=True)
        sender.start()
    else:
        _send_all(channel, data)
    deadline = None if timeout is None else time.monotonic() + timeout
    out: list[bytes] = []
    err: list[bytes] = []
    while True:
        while channel.recv_ready():
            out.append(channel.recv(65536))
        while channel.recv_stderr_ready():
            err.append(channel.recv_stderr(65536))
        eof = channel.eof_received or channel.closed
        if eof and channel.exit_status_ready():
            if not channel.recv_ready() and not channel.recv_stderr_ready():
                break
            continue
        wait = 1.0 if deadline is None else min(1.0, deadline - time.monotonic())
        if wait <= 0:
            message = f"\ncommand timed out after {timeout:g}s and was abandoned\n"
            return CommandResult(TIMEOUT_RC, b"".join(out), b"".join(err) + message.encode())
        if eof:
            channel.status_event.wait(wait)  # output is complete; only the exit status is missing
        else:
            select.select([channel], [], [], wait)
    if sender is not None:
        sender.join(timeout=1)
    return CommandResult(channel.recv_exit_status(), b"".join(out), b"".join(err))

