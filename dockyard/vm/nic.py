"""A machine's network interfaces, from the ``networks:`` of its declaration.

Each entry is one NIC, in order (the first one carries SSH unless it is ``user``-mode
anywhere in the list)::

    user              QEMU user-mode networking (slirp): no host device, no root needed;
                      sshd forwarded to 127.0.0.1:<port>. The default when the list is empty.
    default, lan0     a libvirt network by name (address from its DHCP lease or the guest agent)
    bridge:br0        a host bridge (address from the guest agent)
    lan:swarm         a private LAN between the machines that name it: frames carried by a
                      switch process over 127.0.0.1 (dockyard.vm.lan), a static address each

MAC addresses are derived from the machine's name, so the domain XML and the seed's
network-config always agree, and a machine re-created under the same name keeps them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from dockyard.errors import ProviderError

__all__ = ["Nic", "nics_of"]

LAN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")

NicKind = Literal["user", "network", "bridge", "lan"]


@dataclass(frozen=True)
class Nic:
    kind: NicKind
    source: str
    mac: str
    index: int

    @property
    def guest_name(self) -> str:
        """The interface name inside the guest (the seed's network-config renames by MAC)."""
        return f"eth{self.index}"


def mac_address(name: str, index: int) -> str:
    digest = hashlib.sha256(f"{name}\0{index}".encode()).digest()
    return "52:54:00:" + ":".join(f"{byte:02x}" for byte in digest[:3])


def nics_of(name: str, networks: tuple[str, ...]) -> list[Nic]:
    entries = networks or ("user",)
    nics = []
    for index, entry in enumerate(entries):
        kind: NicKind
        if entry == "user":
            kind, source = "user", ""
        elif entry.startswith("bridge:"):
            kind, source = "bridge", entry.partition(":")[2]
        elif entry.startswith("lan:"):
            kind, source = "lan", entry.partition(":")[2]
            if source and not LAN_NAME.fullmatch(source):
                raise ProviderError(f"vm {name}: LAN name '{source}' is not a plain name",
                                    hint="letters, digits, '-' and '_', starting with a letter (lan:swarm)")
        else:
            kind, source = "network", entry
        if not source and kind != "user":
            raise ProviderError(f"vm {name}: network entry '{entry}' names nothing",
                                hint="use user, a libvirt network name, bridge:<device> or lan:<name>")
        nics.append(Nic(kind, source, mac_address(name, index), index))
    if sum(nic.kind == "user" for nic in nics) > 1:
        raise ProviderError(f"vm {name}: 'user' networking is listed twice", hint="one user-mode NIC is enough")
    return nics
