"""The libvirt provider's options (``provider_options:`` of a vm task, or a ``plugin: libvirt`` file).

::

    uri: qemu:///system       qemu:///session for a user's own libvirtd
    pool: dockyard            a dir pool, made at pool_path when missing
    pool_path: /var/lib/dockyard/pool   (session: ~/.local/share/dockyard/pool)
    kvm: false                true: <domain type='kvm'>; false: TCG (type='qemu'), works anywhere
    restrict: false           user-mode networking with restrict=on: the guest reaches nothing
                              but the host forward (no internet, no host services)
    ssh_port: 2201            a fixed forwarded port (default: a free one in ssh_ports)
    ssh_ports: [2200, 2999]   where free ports are looked for
    ssh_private_key: ~/.ssh/id_ed25519   the key wait_for_ssh logs in with (default: agent, ~/.ssh)
    tb_cache_mib: 256         TCG translation cache cap (QEMU's default grows to 1 GiB per VM)
    console_log_dir: /var/log/libvirt/qemu   where each machine's serial console is logged
    shutdown_timeout: 90      seconds a guest gets to power off (ACPI) before it is forced off
    image_cache: /var/lib/dockyard/images   base images (see dockyard.vm.image)
    lan_cidr: 10.88.0.0/24    the subnet of lan:NAME networks; machines get .10, .11, ... in turn
    lan_dir: /run/dockyard/lan   PID files and logs of the LAN switches (session: ~/.cache/dockyard/lan)
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from dockyard.errors import ProviderError
from dockyard.source import did_you_mean
from dockyard.values import as_bool

__all__ = ["LibvirtOptions"]


def _session(uri: str) -> bool:
    return uri.rstrip("/").endswith("/session")


@dataclass(frozen=True)
class LibvirtOptions:
    uri: str = "qemu:///system"
    pool: str = "dockyard"
    pool_path: str = ""
    kvm: bool = False
    restrict: bool = False
    ssh_port: int | None = None
    ssh_ports: tuple[int, int] = (2200, 2999)
    ssh_private_key: str | None = None
    tb_cache_mib: int = 256
    console_log_dir: str = ""
    shutdown_timeout: float = 90.0
    image_cache: str = ""
    lan_cidr: str = "10.88.0.0/24"
    lan_dir: str = ""

    @property
    def is_local(self) -> bool:
        """Files the daemon writes (console logs) are readable here: no remote host in the URI."""
        return "://" in self.uri and self.uri.split("://", 1)[1].startswith("/")

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> LibvirtOptions:
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            hint = did_you_mean(unknown[0], known) or f"libvirt options: {', '.join(sorted(known))}"
            raise ProviderError(f"unknown libvirt option(s): {', '.join(unknown)}", hint=hint)
        try:
            uri = str(raw.get("uri") or cls.uri)
            session = _session(uri)
            home = Path.home()
            ports = raw.get("ssh_ports", cls.ssh_ports)
            low, high = (int(ports[0]), int(ports[1]))
            key = raw.get("ssh_private_key")
            return cls(
                uri=uri, pool=str(raw.get("pool") or cls.pool),
                pool_path=str(raw.get("pool_path") or (home / ".local/share/dockyard/pool" if session
                                                        else "/var/lib/dockyard/pool")),
                kvm=as_bool(raw.get("kvm", False)), restrict=as_bool(raw.get("restrict", False)),
                ssh_port=int(raw["ssh_port"]) if raw.get("ssh_port") else None, ssh_ports=(low, high),
                ssh_private_key=os.path.expanduser(str(key)) if key else None,
                tb_cache_mib=int(raw.get("tb_cache_mib", cls.tb_cache_mib)),
                console_log_dir=str(raw.get("console_log_dir") or (home / ".cache/libvirt/qemu/log" if session
                                                                   else "/var/log/libvirt/qemu")),
                shutdown_timeout=float(raw.get("shutdown_timeout", cls.shutdown_timeout)),
                image_cache=str(raw.get("image_cache") or ""),
                lan_cidr=str(ipaddress.ip_network(str(raw.get("lan_cidr") or cls.lan_cidr), strict=False)),
                lan_dir=str(raw.get("lan_dir") or (home / ".cache/dockyard/lan" if session else "/run/dockyard/lan")))
        except (TypeError, ValueError, IndexError) as error:
            raise ProviderError(f"bad libvirt option value: {error}",
                                hint="ssh_port/tb_cache_mib are integers, ssh_ports is [low, high], kvm/restrict are booleans, "
                                 "lan_cidr is a subnet like 10.88.0.0/24") from None
