"""Interfaces, addresses and default routes: a port of ansible-core's ``LinuxNetwork``.

Ansible runs ``ip addr show primary dev X`` and ``... secondary dev X`` for every
interface (two processes each); the script runs ``ip addr show`` once and this
module splits it per device, treating lines marked ``secondary`` (IPv4) or
``temporary`` (IPv6, the same kernel flag) as the second pass. The per-device
sysfs files come from one ``grep -H`` (``sysnet``), the ``device`` and
``driver/module`` symlinks from one ``ls -l`` (``netlinks``) and bridge members
from ``ls -f`` of each ``brif`` directory (``brif``, in directory order as
Ansible's ``glob`` sees them).

Like Ansible, no ``ip`` command means no network facts at all. Not gathered:
``locally_reachable_ips`` and the ``ethtool`` keys (``features``,
``timestamping``, ``hw_timestamp_filters``, ``phc_index``).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from dockyard.facts.base import Document, Facts, split_grep

__all__ = ["network_facts"]

_INTERFACE_TYPE = {
    "1": "ether",
    "32": "infiniband",
    "512": "ppp",
    "772": "loopback",
    "65534": "tunnel",
}
_ROUTE_TARGETS = {"route4": "8.8.8.8", "route6": "2404:6800:400a:800::1012"}
_HEADER = re.compile(r"^\d+:\s+([^\s@:]+(?::[^\s@:]+)*)(@\S+)?:\s")
_NET = "/sys/class/net/"


def _default_route(doc: Document, section: str) -> dict[str, Any]:
    """``ip -4|-6 route get TARGET`` -> interface, address, gateway."""
    lines = (doc.text(section) or "").splitlines()
    target = _ROUTE_TARGETS[section]
    words = lines[0].split() if lines else []
    route: dict[str, Any] = {}
    if words and words[0] == target:
        for i in range(len(words) - 1):
            if words[i] == "dev":
                route["interface"] = words[i + 1]
            elif words[i] == "src":
                route["address"] = words[i + 1]
            elif words[i] == "via" and words[i + 1] != target:
                route["gateway"] = words[i + 1]
    return route


def _ip_blocks(doc: Document) -> dict[str, list[str]]:
    """``ip addr show`` split into the address lines of each device."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in (doc.output("ip_addr") or "").splitlines():
        header = _HEADER.match(line)
        if header:
            current = blocks.setdefault(header.group(1), [])
        elif current is not None and line.strip():
            current.append(line)
    return blocks


def _sysfs(doc: Document) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """Devices in directory order, their sysfs files, and the symlink targets."""
    files = split_grep(doc.text("sysnet"))
    devices = {path[len(_NET) :].split("/", 1)[0] for path in files if path.startswith(_NET)}
    order = [name for name in doc.lines("netdevs") if name in devices]
    order += sorted(devices - set(order))
    links: dict[str, str] = {}
    for line in doc.lines("netlinks"):
        path, sep, target = line.partition(" -> ")
        if sep and " /" in path:
            links["/" + path.rsplit(" /", 1)[1]] = target.strip()
    return order, {k: v.strip() for k, v in files.items()}, links


def _device_info(
    device: str, files: dict[str, str], links: dict[str, str], bridges: dict[str, list[str]]
) -> dict[str, Any]:
    """The sysfs part of one ``ansible_<device>`` dict, in Ansible's order."""
    base = f"{_NET}{device}/"
    info: dict[str, Any] = {"device": device}
    mac = files.get(base + "address")
    if mac and mac != "00:00:00:00:00:00":
        info["macaddress"] = mac
    if base + "mtu" in files:
        info["mtu"] = int(files[base + "mtu"])
    if base + "operstate" in files:
        info["active"] = files[base + "operstate"] != "down"
    if base + "device/driver/module" in links:
        info["module"] = links[base + "device/driver/module"].rsplit("/", 1)[-1]
    if base + "type" in files:
        info["type"] = _INTERFACE_TYPE.get(files[base + "type"], "unknown")
    if base + "bridge/bridge_id" in files:
        info["type"] = "bridge"
        info["interfaces"] = bridges.get(device, [])
        info["id"] = files[base + "bridge/bridge_id"]
        if base + "bridge/stp_state" in files:
            info["stp"] = files[base + "bridge/stp_state"] == "1"
    if base + "bonding/mode" in files:
        _bonding(info, base, files)
    if base + "bonding_slave/perm_hwaddr" in files:
        info["perm_macaddress"] = files[base + "bonding_slave/perm_hwaddr"]
    if base + "device" in links:
        info["pciid"] = links[base + "device"].rsplit("/", 1)[-1]
    if files.get(base + "speed"):
        info["speed"] = int(files[base + "speed"])
    if base + "flags" in files:
        info["promisc"] = int(files[base + "flags"], 16) & 0x0100 > 0
    return info


def _bonding(info: dict[str, Any], base: str, files: dict[str, str]) -> None:
    def first(name: str) -> str:
        words = files.get(base + "bonding/" + name, "").split()
        return words[0] if words else ""

    info["type"] = "bonding"
    info["slaves"] = files.get(base + "bonding/slaves", "").split()
    info["mode"], info["miimon"], info["lacp_rate"] = (
        first("mode"),
        first("miimon"),
        first("lacp_rate"),
    )
    primary = files.get(base + "bonding/primary")
    if primary:
        info["primary"] = primary
        if base + "bonding/all_slaves_active" in files:
            info["all_slaves_active"] = files[base + "bonding/all_slaves_active"] == "1"


class _Collector:
    """Ansible's ``parse_ip_output`` with the state it shares across devices."""

    def __init__(self, default_ipv4: dict[str, Any], default_ipv6: dict[str, Any]) -> None:
        self.interfaces: dict[str, dict[str, Any]] = {}
        self.all_ipv4: list[str] = []
        self.all_ipv6: list[str] = []
        self.default_ipv4 = default_ipv4
        self.default_ipv6 = default_ipv6
        self.macaddress = ""

    def parse(self, device: str, lines: list[str], secondary: bool) -> None:
        for line in lines:
            words = line.split()
            if words[0] == "inet":
                self._inet(device, words, secondary)
            elif words[0] == "inet6":
                self._inet6(device, words)

    def _inet(self, device: str, words: list[str], secondary: bool) -> None:
        address, _, prefix = words[1].partition("/")
        broadcast = words[3] if prefix and len(words) > 3 and words[2] == "brd" else ""
        prefix = prefix or "32"
        net = ipaddress.IPv4Network(f"{address}/{prefix}", strict=False)
        entry = {
            "address": address,
            "broadcast": broadcast,
            "netmask": str(net.netmask),
            "network": str(net.network_address),
            "prefix": prefix,
        }
        iface = words[-1]
        if iface != device:
            self.interfaces[iface] = {}
        if not secondary and "ipv4" not in self.interfaces[iface]:
            self.interfaces[iface]["ipv4"] = entry
        else:
            self.interfaces[iface].setdefault("ipv4_secondaries", []).append(dict(entry))
        if secondary:
            secondaries = self.interfaces[device].setdefault("ipv4_secondaries", [])
            if device != iface:
                secondaries.append(dict(entry))
        if self.default_ipv4.get("address") == address:
            self.default_ipv4.update({k: v for k, v in entry.items() if k != "address"})
            self.default_ipv4.update(
                macaddress=self.macaddress,
                mtu=self.interfaces[device]["mtu"],
                type=self.interfaces[device].get("type", "unknown"),
                alias=iface,
            )
        if not address.startswith("127."):
            self.all_ipv4.append(address)

    def _inet6(self, device: str, words: list[str]) -> None:
        if words[2] == "peer":
            address, prefix, scope = words[1], words[3].split("/")[1], words[5]
        else:
            (address, prefix), scope = words[1].split("/"), words[3]
        self.interfaces[device].setdefault("ipv6", []).append(
            {"address": address, "prefix": prefix, "scope": scope}
        )
        if self.default_ipv6.get("address") == address:
            self.default_ipv6.update(
                prefix=prefix,
                scope=scope,
                macaddress=self.macaddress,
                mtu=self.interfaces[device]["mtu"],
                type=self.interfaces[device].get("type", "unknown"),
            )
        if address != "::1":
            self.all_ipv6.append(address)


def _is_secondary(line: str) -> bool:
    words = line.split()
    return (words[0] == "inet" and "secondary" in words) or (
        words[0] == "inet6" and "temporary" in words
    )


def network_facts(doc: Document) -> Facts:
    """interfaces, one dict per interface, default_ipv4/6, all_ipv4/6_addresses."""
    if not any(line.split(" ", 1)[0] == "ip" for line in doc.lines("which")):
        return {}
    collector = _Collector(_default_route(doc, "route4"), _default_route(doc, "route6"))
    order, files, links = _sysfs(doc)
    bridges: dict[str, list[str]] = {}
    for line in doc.lines("brif"):
        bridge, _, member = line.partition(" ")
        bridges.setdefault(bridge, []).append(member)
    blocks = _ip_blocks(doc)
    for device in order:
        if f"{_NET}{device}/address" in files:
            collector.macaddress = files[f"{_NET}{device}/address"]
        collector.interfaces[device] = _device_info(device, files, links, bridges)
        lines = [line for line in blocks.get(device, []) if line.split()[0] in ("inet", "inet6")]
        try:
            collector.parse(device, [ln for ln in lines if not _is_secondary(ln)], False)
            collector.parse(device, [ln for ln in lines if _is_secondary(ln)], True)
        except (ValueError, IndexError) as exc:
            raise doc.error("ip_addr", f"device {device}: {exc}") from exc
    interfaces = {name.replace(":", "_"): info for name, info in collector.interfaces.items()}
    facts: Facts = {"interfaces": sorted(interfaces)}
    facts.update(interfaces)
    facts.update(
        default_ipv4=collector.default_ipv4,
        default_ipv6=collector.default_ipv6,
        all_ipv4_addresses=collector.all_ipv4,
        all_ipv6_addresses=collector.all_ipv6,
    )
    return facts
