"""What a VM declaration says (VmSpec) and what a provider found (VmState).

Both are plain values; providers translate them to and from their own objects (libvirt
domain XML, OpenStack servers). The declaration is split by what a change costs:

- *identity* (image, user, ssh keys, hostname, networks, user-data): fixed at first boot.
  Changing the image replaces the machine; changing the seed (keys, user-data, ...) is a
  planned re-seed with a restart, never a silent no-op. Both are tracked by :func:`seed_hash`,
  which the provider stores in the machine's own metadata at create time.
- *size* (cpus, memory, disk): resized in place; cpus and memory need a restart, a disk
  only grows.
- *inventory* (groups, host vars): metadata only, updated without touching the guest.

The provider is the source of truth: ownership (:data:`OWNER`), the lab, the seed hash and
the inventory metadata live on the machine, so there is no state file to go stale.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["OWNER", "FoundStatus", "SshAddress", "VmSpec", "VmState", "VmStatus", "seed_hash"]

#: The owner every dockyard-made machine carries; anything else is never touched.
OWNER = "dockyard"

VmStatus = Literal["running", "stopped", "absent"]
#: What a provider can find: a declared status, or ``failed`` (a create that never finished,
#: or a machine the provider reports as broken; the plan replaces it).
FoundStatus = Literal["running", "stopped", "absent", "failed"]


@dataclass(frozen=True)
class SshAddress:
    """Where the controller reaches a machine's sshd (a forwarded port on 127.0.0.1, or an IP)."""

    host: str
    port: int = 22

    def __str__(self) -> str:
        return self.host if self.port == 22 else f"{self.host}:{self.port}"

    def connection_vars(self, user: str) -> dict[str, object]:
        """The inventory variables that reach sshd here as ``user``."""
        values: dict[str, object] = {"ansible_host": self.host, "ansible_port": self.port}
        if user:
            values["ansible_user"] = user
        return values


@dataclass(frozen=True)
class VmSpec:
    """One declared machine. ``options`` holds what only one provider understands
    (libvirt: uri, pool, ssh_port; OpenStack: cloud, flavor, security_groups, floating_ip)."""

    name: str
    provider: str = "libvirt"
    state: VmStatus = "running"
    cpus: int = 1
    memory_mib: int = 1024
    disk_gib: int = 8
    image: str = ""
    image_checksum: str | None = None
    networks: tuple[str, ...] = ()
    ssh_keys: tuple[str, ...] = ()
    user: str = "debian"
    hostname: str = ""
    user_data: Mapping[str, Any] = field(default_factory=dict)
    groups: tuple[str, ...] = ()
    host_vars: Mapping[str, Any] = field(default_factory=dict)
    lab: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def guest_hostname(self) -> str:
        return self.hostname or self.name

    def seed_hash(self) -> str:
        return seed_hash(self)


def seed_hash(spec: VmSpec) -> str:
    """A short hash of everything the machine receives at first boot (see module docstring)."""
    identity = {
        "image": spec.image,
        "user": spec.user,
        "ssh_keys": sorted(key.strip() for key in spec.ssh_keys),
        "hostname": spec.guest_hostname,
        "networks": list(spec.networks),
        "user_data": spec.user_data,
    }
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class VmState:
    """A machine as a provider read it. ``owner``/``lab``/``seed_hash``/``groups``/
    ``host_vars`` come from the machine's own metadata; empty when it has none.
    ``fault`` says why a ``failed`` machine failed; ``drift`` names provider-side resources
    the machine depends on that no longer match the declaration (a security group rule
    someone removed), each as a short phrase for the plan."""

    name: str
    status: FoundStatus
    cpus: int
    memory_mib: int
    disk_gib: int
    owner: str = ""
    lab: str = ""
    image: str = ""
    seed_hash: str = ""
    user: str = ""
    groups: tuple[str, ...] = ()
    host_vars: Mapping[str, Any] = field(default_factory=dict)
    address: SshAddress | None = None
    provider_id: str = ""
    fault: str = ""
    drift: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_owned(self) -> bool:
        return self.owner == OWNER

    def summary(self) -> dict[str, Any]:
        """A JSON-friendly view for results and `dockyard inventory`."""
        return {
            "name": self.name, "status": self.status, "cpus": self.cpus,
            "memory_mib": self.memory_mib, "disk_gib": self.disk_gib, "lab": self.lab,
            "groups": list(self.groups), "address": str(self.address) if self.address else None,
            "id": self.provider_id,
        }
