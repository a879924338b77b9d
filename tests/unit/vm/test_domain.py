"""Domain XML as data: made from a declaration, read back by parse_domain, resized."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from dockyard.errors import ProviderError
from dockyard.vm.domain import (
    NAMESPACE,
    DomainConfig,
    Metadata,
    domain_xml,
    metadata_xml,
    parse_domain,
    parse_metadata,
    resized_xml,
)
from dockyard.vm.nic import nics_of

META = Metadata(owner="dockyard", lab="lab1", image="/img/base.qcow2", seed_hash="abc123", user="debian",
                ssh_port=2201, groups=("web", "db"), host_vars={"zone": "a", "n": 1}, disk="vm1.qcow2",
                seed="vm1-seed.iso", pool="dockyard")


def config(**changes: object) -> DomainConfig:
    values: dict[str, object] = dict(
        name="vm1", cpus=2, memory_mib=1536, disk_path="/pool/vm1.qcow2", seed_path="/pool/vm1-seed.iso",
        nics=tuple(nics_of("vm1", ())), metadata=META, console_log="/var/log/libvirt/qemu/vm1-console.log")
    values.update(changes)
    return DomainConfig(**values)  # type: ignore[arg-type]


def test_the_xml_reads_back_as_what_was_declared() -> None:
    facts = parse_domain(domain_xml(config()))
    assert (facts.name, facts.cpus, facts.memory_mib) == ("vm1", 2, 1536)
    assert (facts.disk_path, facts.seed_path) == ("/pool/vm1.qcow2", "/pool/vm1-seed.iso")
    assert facts.console_log == "/var/log/libvirt/qemu/vm1-console.log"
    assert facts.metadata == META


def test_tcg_with_a_capped_translation_cache_unless_kvm() -> None:
    root = ET.fromstring(domain_xml(config(tb_cache_mib=128)))
    assert root.get("type") == "qemu"
    assert root.find("features/tcg/tb-cache").text == "128"  # type: ignore[union-attr]
    kvm = ET.fromstring(domain_xml(config(kvm=True)))
    assert kvm.get("type") == "kvm" and kvm.find("features/tcg") is None


def test_user_networking_forwards_ssh_to_loopback_only() -> None:
    text = domain_xml(config(restrict=True))
    args = [arg.get("value") for arg in ET.fromstring(text).iter("{http://libvirt.org/schemas/domain/qemu/1.0}arg")]
    nic = nics_of("vm1", ())[0]
    assert args == ["-netdev", "user,id=dockyard0,restrict=on,hostfwd=tcp:127.0.0.1:2201-:22", "-device",
                    f"virtio-net-pci,netdev=dockyard0,mac={nic.mac},bus=pci.0,addr=0x10"]
    assert ET.fromstring(text).find("devices/interface") is None


def test_libvirt_networks_and_bridges_are_interfaces_with_a_guest_agent_channel() -> None:
    nics = tuple(nics_of("vm1", ("default", "bridge:br0")))
    root = ET.fromstring(domain_xml(config(nics=nics, metadata=Metadata(owner="dockyard"))))
    interfaces = root.findall("devices/interface")
    assert [(i.get("type"), i.find("source").attrib) for i in interfaces] == [  # type: ignore[union-attr]
        ("network", {"network": "default"}), ("bridge", {"bridge": "br0"})]
    assert [i.find("mac").get("address") for i in interfaces] == [n.mac for n in nics]  # type: ignore[union-attr]
    assert root.find("devices/channel/target").get("name") == "org.qemu.guest_agent.0"  # type: ignore[union-attr]
    assert root.find("{http://libvirt.org/schemas/domain/qemu/1.0}commandline") is None


def test_user_networking_without_a_port_is_refused() -> None:
    with pytest.raises(ProviderError, match="needs an ssh port"):
        domain_xml(config(metadata=Metadata(owner="dockyard")))


def test_libvirt_style_xml_without_dockyard_metadata_is_not_owned() -> None:
    text = """<domain type='kvm'><name>other</name><memory unit='KiB'>2097152</memory>
      <vcpu placement='static'>4</vcpu><devices><disk type='file' device='disk'>
      <source file='/var/lib/libvirt/images/other.qcow2'/></disk></devices></domain>"""
    facts = parse_domain(text)
    assert (facts.cpus, facts.memory_mib, facts.disk_path, facts.metadata) == (4, 2048, "/var/lib/libvirt/images/other.qcow2", None)


def test_metadata_as_set_metadata_wants_it_reads_back_once_libvirt_namespaced_it() -> None:
    plain = ET.fromstring(metadata_xml(META))
    assert "xmlns" not in metadata_xml(META)  # virDomainSetMetadata puts it in the namespace itself
    for element in plain.iter():  # what libvirt stores: every element in dockyard's namespace
        element.tag = f"{{{NAMESPACE}}}{element.tag}"
    assert parse_metadata(plain) == META


def test_resize_changes_only_the_size() -> None:
    text = domain_xml(config())
    facts = parse_domain(resized_xml(text, 1, 768))
    assert (facts.cpus, facts.memory_mib) == (1, 768)
    assert facts.metadata == META and facts.disk_path == "/pool/vm1.qcow2"


def test_bad_xml_is_a_provider_error() -> None:
    with pytest.raises(ProviderError, match="does not parse"):
        parse_domain("<domain")
