"""libvirt domain XML: made from a declaration, read back into what the planner compares.

Pure (no libvirt calls), so both directions are unit-tested as data. What dockyard keeps on
the domain, in ``<metadata>`` under its own namespace (:data:`NAMESPACE`)::

    <dockyard:vm xmlns:dockyard="https://dockyard.dev/xmlns/vm/1">
      <dockyard:owner>dockyard</dockyard:owner>      never touch a domain without it
      <dockyard:lab>swarm</dockyard:lab>
      <dockyard:image>/var/lib/dockyard/images/debian-bookworm-....qcow2</dockyard:image>
      <dockyard:seed-hash>9c1e...</dockyard:seed-hash>
      <dockyard:user>debian</dockyard:user>
      <dockyard:ssh-port>2201</dockyard:ssh-port>    the forwarded port (user-mode networking)
      <dockyard:group>workers</dockyard:group>        one per group
      <dockyard:vars>{"zone": "a"}</dockyard:vars>    JSON
      <dockyard:disk>vm1.qcow2</dockyard:disk>        the volumes it owns in its pool
      <dockyard:seed>vm1-seed.iso</dockyard:seed>
      <dockyard:pool>dockyard</dockyard:pool>
      <dockyard:lan name="swarm" nic="1" address="10.88.0.10/24" port="41001" hub-port="41000"/>
    </dockyard:vm>

User-mode networking (slirp) with a host forward is written as ``<qemu:commandline>``:
Debian 12's libvirt 9.0 has no ``<portForward>`` for it. NIC number N (in ``networks:``
order) sits at PCI slot 0x10 + N: clear of the devices libvirt places itself, and in the order
the guest kernel names them (eth0, eth1, ...), which the seed's network-config relies on. A ``lan:NAME`` NIC is an
``<interface type='udp'>`` from its own port to the LAN's switch, both on 127.0.0.1
(:mod:`dockyard.vm.lan`).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dockyard.errors import ProviderError
from dockyard.vm.lan import LanSeat
from dockyard.vm.nic import Nic

__all__ = ["NAMESPACE", "DomainConfig", "DomainFacts", "Metadata", "domain_xml", "metadata_xml",
           "parse_domain", "parse_metadata", "resized_xml"]

NAMESPACE = "https://dockyard.dev/xmlns/vm/1"
QEMU_NAMESPACE = "http://libvirt.org/schemas/domain/qemu/1.0"
NIC_SLOT = 0x10
ET.register_namespace("dockyard", NAMESPACE)
ET.register_namespace("qemu", QEMU_NAMESPACE)


@dataclass(frozen=True)
class Metadata:
    """dockyard's own record on a domain (see the module docstring)."""

    owner: str = ""
    lab: str = ""
    image: str = ""
    seed_hash: str = ""
    user: str = ""
    ssh_port: int | None = None
    groups: tuple[str, ...] = ()
    host_vars: Mapping[str, Any] = field(default_factory=dict)
    disk: str = ""
    seed: str = ""
    pool: str = ""
    lans: tuple[LanSeat, ...] = ()


@dataclass(frozen=True)
class DomainConfig:
    """Everything a domain XML is made from."""

    name: str
    cpus: int
    memory_mib: int
    disk_path: str
    seed_path: str
    nics: tuple[Nic, ...]
    metadata: Metadata
    kvm: bool = False
    restrict: bool = False
    tb_cache_mib: int = 256
    console_log: str = ""
    machine: str = "pc"


@dataclass(frozen=True)
class DomainFacts:
    """What a domain XML says, as the provider needs it."""

    name: str
    cpus: int
    memory_mib: int
    disk_path: str
    seed_path: str
    console_log: str
    metadata: Metadata | None


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    child = ET.SubElement(parent, tag, attributes)
    if text is not None:
        child.text = text
    return child


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def metadata_element(metadata: Metadata, *, namespaced: bool = True) -> ET.Element:
    """The metadata as an element; without a namespace for ``setMetadata``, which adds its own."""
    tag = _tag if namespaced else str
    root = ET.Element(tag("vm"))
    for name, value in (("owner", metadata.owner), ("lab", metadata.lab), ("image", metadata.image),
                        ("seed-hash", metadata.seed_hash), ("user", metadata.user)):
        _sub(root, tag(name), value)
    if metadata.ssh_port is not None:
        _sub(root, tag("ssh-port"), str(metadata.ssh_port))
    for group in metadata.groups:
        _sub(root, tag("group"), group)
    _sub(root, tag("vars"), json.dumps(dict(metadata.host_vars), sort_keys=True, default=str))
    for name, value in (("disk", metadata.disk), ("seed", metadata.seed), ("pool", metadata.pool)):
        _sub(root, tag(name), value)
    for seat in metadata.lans:
        _sub(root, tag("lan"), name=seat.lan, nic=str(seat.index), address=seat.address,
             port=str(seat.port), **{"hub-port": str(seat.hub_port)})
    return root


def _seat(element: ET.Element) -> LanSeat | None:
    numbers = [element.get(key, "") for key in ("nic", "port", "hub-port")]
    if not all(number.isdigit() for number in numbers):
        return None
    index, port, hub_port = (int(number) for number in numbers)
    return LanSeat(element.get("name", ""), index, element.get("address", ""), port, hub_port)


def metadata_xml(metadata: Metadata) -> str:
    """The metadata element alone, for ``virDomain.setMetadata`` (it puts it in :data:`NAMESPACE`)."""
    return ET.tostring(metadata_element(metadata, namespaced=False), encoding="unicode")


def parse_metadata(element: ET.Element | None) -> Metadata | None:
    if element is None:
        return None

    def text(name: str) -> str:
        found = element.find(_tag(name))
        return (found.text or "") if found is not None else ""

    port = text("ssh-port")
    try:
        host_vars = json.loads(text("vars") or "{}")
    except json.JSONDecodeError:
        host_vars = {}
    return Metadata(
        owner=text("owner"), lab=text("lab"), image=text("image"), seed_hash=text("seed-hash"),
        user=text("user"), ssh_port=int(port) if port.isdigit() else None,
        groups=tuple(group.text or "" for group in element.findall(_tag("group"))),
        host_vars=host_vars if isinstance(host_vars, dict) else {},
        disk=text("disk"), seed=text("seed"), pool=text("pool"),
        lans=tuple(seat for lan in element.findall(_tag("lan")) if (seat := _seat(lan)) is not None))


def _devices(devices: ET.Element, config: DomainConfig) -> None:
    disk = _sub(devices, "disk", type="file", device="disk")
    _sub(disk, "driver", name="qemu", type="qcow2", discard="unmap")
    _sub(disk, "source", file=config.disk_path)
    _sub(disk, "target", dev="vda", bus="virtio")
    cdrom = _sub(devices, "disk", type="file", device="cdrom")
    _sub(cdrom, "driver", name="qemu", type="raw")
    _sub(cdrom, "source", file=config.seed_path)
    _sub(cdrom, "target", dev="hdc", bus="ide")
    _sub(cdrom, "readonly")
    seats = {seat.index: seat for seat in config.metadata.lans}
    for nic in config.nics:
        if nic.kind == "user":
            continue
        if nic.kind == "lan":
            _lan_nic(devices, config.name, nic, seats.get(nic.index))
            continue
        interface = _sub(devices, "interface", type=nic.kind)
        _sub(interface, "mac", address=nic.mac)
        _sub(interface, "source", **({"network": nic.source} if nic.kind == "network" else {"bridge": nic.source}))
        _sub(interface, "model", type="virtio")
        _nic_slot(interface, nic)
    serial = _sub(devices, "serial", type="pty")
    if config.console_log:
        _sub(serial, "log", file=config.console_log, append="off")
    _sub(serial, "target", port="0")
    console = _sub(devices, "console", type="pty")
    _sub(console, "target", type="serial", port="0")
    if any(nic.kind in ("network", "bridge") for nic in config.nics):  # their addresses come from the agent
        channel = _sub(devices, "channel", type="unix")
        _sub(channel, "target", type="virtio", name="org.qemu.guest_agent.0")
    rng = _sub(devices, "rng", model="virtio")
    _sub(rng, "backend", "/dev/urandom", model="random")
    _sub(devices, "memballoon", model="none")


def _lan_nic(devices: ET.Element, name: str, nic: Nic, seat: LanSeat | None) -> None:
    if seat is None:
        raise ProviderError(f"vm {name}: the NIC on lan:{nic.source} has no place on the LAN")
    interface = _sub(devices, "interface", type="udp")
    _sub(interface, "mac", address=nic.mac)
    source = _sub(interface, "source", address="127.0.0.1", port=str(seat.hub_port))
    _sub(source, "local", address="127.0.0.1", port=str(seat.port))
    _sub(interface, "model", type="virtio")
    _nic_slot(interface, nic)


def _nic_slot(interface: ET.Element, nic: Nic) -> None:
    _sub(interface, "address", type="pci", domain="0x0000", bus="0x00", slot=f"{NIC_SLOT + nic.index:#04x}",
         function="0x0")


def _user_nic(root: ET.Element, config: DomainConfig, nic: Nic) -> None:
    port = config.metadata.ssh_port
    if port is None:
        raise ProviderError(f"vm {config.name}: user-mode networking needs an ssh port")
    netdev = (f"user,id=dockyard0,restrict={'on' if config.restrict else 'off'},"
              f"hostfwd=tcp:127.0.0.1:{port}-:22")
    device = f"virtio-net-pci,netdev=dockyard0,mac={nic.mac},bus=pci.0,addr={NIC_SLOT + nic.index:#x}"
    commandline = _sub(root, f"{{{QEMU_NAMESPACE}}}commandline")
    for value in ("-netdev", netdev, "-device", device):
        _sub(commandline, f"{{{QEMU_NAMESPACE}}}arg", value=value)


def domain_xml(config: DomainConfig) -> str:
    """The domain XML for ``config`` (TCG ``type='qemu'`` unless ``kvm``)."""
    root = ET.Element("domain", type="kvm" if config.kvm else "qemu")
    _sub(root, "name", config.name)
    _sub(root, "title", f"dockyard vm {config.name}")
    _sub(root, "metadata").append(metadata_element(config.metadata))
    _sub(root, "memory", str(config.memory_mib), unit="MiB")
    _sub(root, "vcpu", str(config.cpus), placement="static")
    os_element = _sub(root, "os")
    _sub(os_element, "type", "hvm", arch="x86_64", machine=config.machine)
    _sub(os_element, "boot", dev="hd")
    features = _sub(root, "features")
    _sub(features, "acpi")
    _sub(features, "apic")
    if not config.kvm:
        _sub(_sub(features, "tcg"), "tb-cache", str(config.tb_cache_mib), unit="MiB")
    _sub(root, "clock", offset="utc")
    for event, action in (("on_poweroff", "destroy"), ("on_reboot", "restart"), ("on_crash", "destroy")):
        _sub(root, event, action)
    _devices(_sub(root, "devices"), config)
    for nic in config.nics:
        if nic.kind == "user":
            _user_nic(root, config, nic)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode")


def _memory_mib(element: ET.Element | None) -> int:
    if element is None or not (element.text or "").strip().isdigit():
        return 0
    value = int((element.text or "0").strip())
    factor = {"b": 1 / 1048576, "bytes": 1 / 1048576, "KiB": 1 / 1024, "k": 1 / 1024,
              "MiB": 1, "M": 1, "GiB": 1024, "G": 1024}.get(element.get("unit", "KiB"), 1 / 1024)
    return int(value * factor)


def _disk_source(root: ET.Element, device: str) -> str:
    for disk in root.iterfind("devices/disk"):
        if disk.get("device") == device:
            source = disk.find("source")
            if source is not None:
                return source.get("file", "")
    return ""


def parse_domain(text: str) -> DomainFacts:
    """Read a domain XML (as ``virDomain.XMLDesc`` returns it)."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise ProviderError(f"libvirt returned domain XML that does not parse: {error}") from None
    vcpu = root.findtext("vcpu", "0").strip()
    log = root.find("devices/serial/log")
    return DomainFacts(
        name=root.findtext("name", ""),
        cpus=int(vcpu) if vcpu.isdigit() else 0,
        memory_mib=_memory_mib(root.find("memory")),
        disk_path=_disk_source(root, "disk"),
        seed_path=_disk_source(root, "cdrom"),
        console_log=log.get("file", "") if log is not None else "",
        metadata=parse_metadata(root.find(f"metadata/{_tag('vm')}")),
    )


def resized_xml(text: str, cpus: int, memory_mib: int) -> str:
    """``text`` with new vCPU and memory sizes (the rest as it was), to define again."""
    root = ET.fromstring(text)
    for tag in ("memory", "currentMemory"):
        element = root.find(tag)
        if element is not None:
            element.text = str(memory_mib)
            element.set("unit", "MiB")
    vcpu = root.find("vcpu")
    if vcpu is None:
        vcpu = _sub(root, "vcpu")
    vcpu.text = str(cpus)
    return ET.tostring(root, encoding="unicode")
