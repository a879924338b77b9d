"""From a host's variables and the command line to one ConnectionSpec.

Which value wins, for each setting (first found):

1. the host's ``ansible_*`` variable (inventory, host_vars, group_vars, ...);
   ``ansible_host_key_checking: false`` turns host key checking off for that host
2. the command-line option (``-u``, ``--private-key``, ``-b``, ...)
3. ``~/.ssh/config`` for the target (``HostName``, ``User``, ``Port``, ``IdentityFile``,
   ``ProxyJump``), looked up by ``ansible_host`` or the inventory name
4. the built-in default (port 22, the local user name, keys from ssh-agent and ``~/.ssh``)

This is the order Ansible's ssh plugin ends up with, so the same inventory reaches
the same machines.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockyard.connection.base import Become
from dockyard.errors import ConnectError
from dockyard.values import as_bool

__all__ = ["HOST_KEY_POLICIES", "ConnectionOptions", "ConnectionSpec", "spec_from_vars"]

HOST_KEY_POLICIES = ("strict", "accept-new", "off")
CONNECTION_TYPES = {"ssh": "ssh", "paramiko": "ssh", "smart": "ssh", "local": "local"}


@dataclass(frozen=True)
class ConnectionOptions:
    """Run-wide settings, mostly from the command line."""

    host_key_checking: str = "strict"
    known_hosts: Path = field(default_factory=lambda: Path.home() / ".ssh" / "known_hosts")
    ssh_config: Path | None = field(default_factory=lambda: Path.home() / ".ssh" / "config")
    connect_timeout: float = 10.0
    command_timeout: float | None = None
    user: str | None = None
    private_key: str | None = None
    password: str | None = field(default=None, repr=False)
    become: bool = False
    become_user: str | None = None
    become_password: str | None = field(default=None, repr=False)
    use_agent: bool = True
    look_for_keys: bool = True

    def __post_init__(self) -> None:
        if self.host_key_checking not in HOST_KEY_POLICIES:
            raise ValueError(f"host_key_checking must be one of {HOST_KEY_POLICIES}")


@dataclass(frozen=True)
class ConnectionSpec:
    """Everything needed to open one host's connection; secrets are kept out of repr."""

    name: str
    kind: str = "ssh"
    address: str = ""
    port: int = 22
    user: str = ""
    key_files: tuple[str, ...] = ()
    password: str | None = field(default=None, repr=False)
    proxy_jump: str | None = None
    host_key_checking: str = "strict"
    known_hosts: Path = field(default_factory=lambda: Path.home() / ".ssh" / "known_hosts")
    connect_timeout: float = 10.0
    command_timeout: float | None = None
    become: Become | None = None
    use_agent: bool = True
    look_for_keys: bool = True
    ssh_config: Path | None = None


def _first(*values: Any) -> Any:
    for value in values:
        if value is not None and value != "":
            return value
    return None


def _become(name: str, hostvars: Mapping[str, Any], options: ConnectionOptions) -> Become | None:
    wanted = hostvars.get("ansible_become")
    try:
        enabled = options.become if wanted is None else as_bool(wanted)
    except ValueError:
        raise ConnectError(
            f"ansible_become must be a boolean, not {wanted!r}", host=name, hint="use true or false"
        ) from None
    if not enabled:
        return None
    password = _first(
        hostvars.get("ansible_become_password"),
        hostvars.get("ansible_become_pass"),
        options.become_password,
    )
    return Become(
        user=str(_first(hostvars.get("ansible_become_user"), options.become_user, "root")),
        method=str(hostvars.get("ansible_become_method") or "sudo"),
        password=None if password is None else str(password),
        flags=str(hostvars.get("ansible_become_flags") or ""),
    )


def ssh_config_for(path: Path | None, target: str) -> dict[str, Any]:
    """OpenSSH client settings for ``target`` from the config file at ``path`` (or none)."""
    if path is None or not path.is_file():
        return {}
    import paramiko

    try:
        config = paramiko.SSHConfig.from_path(str(path))
    except (OSError, paramiko.ssh_exception.ConfigParseError) as exc:
        raise ConnectError(f"cannot read {path}: {exc}", hint="fix or move the file") from None
    return dict(config.lookup(target))


def spec_from_vars(name: str, hostvars: Mapping[str, Any], options: ConnectionOptions) -> ConnectionSpec:
    """Resolve the connection settings of inventory host ``name``."""
    kind_name = str(hostvars.get("ansible_connection") or "ssh")
    kind = CONNECTION_TYPES.get(kind_name)
    if kind is None:
        raise ConnectError(
            f"unsupported ansible_connection {kind_name!r}",
            host=name,
            hint="dockyard supports 'ssh' (also 'paramiko', 'smart') and 'local'",
        )
    become = _become(name, hostvars, options)
    if kind == "local":
        return ConnectionSpec(name=name, kind="local", address="localhost", become=become,
                              command_timeout=options.command_timeout)
    target = str(_first(hostvars.get("ansible_host"), hostvars.get("ansible_ssh_host"), name))
    config = ssh_config_for(options.ssh_config, target)
    port_value = _first(hostvars.get("ansible_port"), hostvars.get("ansible_ssh_port"), config.get("port"), 22)
    try:
        port = int(port_value)
    except (TypeError, ValueError):
        raise ConnectError(f"ansible_port must be a number, not {port_value!r}", host=name) from None
    key = _first(
        hostvars.get("ansible_ssh_private_key_file"),
        hostvars.get("ansible_private_key_file"),
        options.private_key,
    )
    key_files = (os.path.expanduser(str(key)),) if key else tuple(
        os.path.expanduser(path) for path in config.get("identityfile", ()) if os.path.exists(os.path.expanduser(path))
    )
    password = _first(hostvars.get("ansible_password"), hostvars.get("ansible_ssh_pass"), options.password)
    policy = options.host_key_checking
    checking = hostvars.get("ansible_host_key_checking", hostvars.get("ansible_ssh_host_key_checking"))
    if checking is not None:
        try:
            policy = policy if as_bool(checking) else "off"
        except ValueError:
            raise ConnectError(f"ansible_host_key_checking must be a boolean, not {checking!r}",
                               host=name) from None
    return ConnectionSpec(
        name=name,
        kind="ssh",
        address=str(config.get("hostname") or target),
        port=port,
        user=str(_first(hostvars.get("ansible_user"), hostvars.get("ansible_ssh_user"), options.user,
                        config.get("user"), getpass.getuser())),
        key_files=key_files,
        password=None if password is None else str(password),
        proxy_jump=_first(config.get("proxyjump")),
        host_key_checking=policy,
        known_hosts=options.known_hosts,
        connect_timeout=float(_first(hostvars.get("ansible_timeout"), options.connect_timeout)),
        command_timeout=options.command_timeout,
        become=become,
        use_agent=options.use_agent,
        look_for_keys=options.look_for_keys,
        ssh_config=options.ssh_config,
    )
