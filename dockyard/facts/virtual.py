"""Virtualization: a port of ansible-core's ``LinuxVirtual``, check for check.

The checks run in Ansible's order and the first one that matches sets
``virtualization_type`` and ``virtualization_role``; every match also adds to
``virtualization_tech_guest`` / ``_host`` (sets in Ansible, sorted lists here).
Inputs: ``/proc/1/cgroup``, ``/proc/1/environ`` (root only), existence of
``/proc/vz``, ``/.dockerenv``, ``/proc/xen``, ``/dev/kvm`` ..., DMI strings from
sysfs, ``/proc/self/status``, ``/proc/cpuinfo``, ``/proc/modules`` and
``dmidecode -s system-product-name`` when it exists.

Not ported: the ``lscpu`` hypervisor lookup on IBM S/390 (reported as ``PR/SM``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dockyard.facts.base import Document, Facts

__all__ = ["virtualization_facts"]

_KVM_PRODUCTS = ("KVM", "KVM Server", "Bochs", "AHV", "CloudStack KVM Hypervisor")
_KVM_SYS_VENDORS = ("QEMU", "Amazon EC2", "DigitalOcean", "Google", "Scaleway", "Nutanix")
_CPUINFO_GUESTS = (
    ("^model name.*QEMU Virtual CPU", "kvm"),
    ("^vendor_id.*User Mode Linux", "uml"),
    ("^model name.*UML", "uml"),
    ("^machine.*CHRP IBM pSeries .emulated by qemu.", "kvm"),
    ("^vendor_id.*PowerVM Lx86", "powervm_lx86"),
    ("^vendor_id.*IBM/S390", "PR/SM"),
)


@dataclass
class _Virt:
    """The state Ansible threads through its checks."""

    facts: dict[str, str] = field(default_factory=dict)
    found: bool = False
    guest: set[str] = field(default_factory=set)
    host: set[str] = field(default_factory=set)

    def guest_is(self, tech: str, role: str | None = "guest") -> None:
        self.guest.add(tech)
        self._set(tech, role)

    def host_is(self, tech: str) -> None:
        self.host.add(tech)
        self._set(tech, "host")

    def _set(self, tech: str, role: str | None) -> None:
        if not self.found:
            self.facts["virtualization_type"] = tech
            if role is not None:
                self.facts["virtualization_role"] = role
            self.found = True


def _containers(doc: Document, v: _Virt) -> None:
    for line in doc.file_lines("/proc/1/cgroup"):
        if re.search(r"/docker(/|-[0-9a-f]+\.scope)", line):
            v.guest_is("docker")
        if re.search("/lxc/", line) or re.search("/machine.slice/machine-lxc", line):
            v.guest_is("lxc")
        if re.search("/system.slice/containerd.service", line):
            v.guest_is("containerd")
    environ = (doc.text("proc1_environ") or "").strip().rstrip("\0")
    for line in environ.split("\0") if environ else []:
        if re.search("container=lxc", line):
            v.guest_is("lxc")
        if re.search("container=podman", line):
            v.guest_is("podman")
        if re.search("^container=.", line):
            v.guest_is("container")
    if doc.exists("/proc/vz") and not doc.exists("/proc/lve"):
        v.facts["virtualization_type"] = "openvz"
        is_host = doc.exists("/proc/bc")
        (v.host if is_host else v.guest).add("openvz")
        if not v.found:
            v.facts["virtualization_role"] = "host" if is_host else "guest"
        v.found = True
    systemd_container = doc.file("/run/systemd/container")
    if systemd_container:
        v.guest_is(systemd_container)
    if doc.exists("/.dockerenv") or doc.exists("/.dockerinit"):
        v.guest_is("docker")
    if v.guest & {"docker", "lxc", "podman", "openvz", "containerd"} or systemd_container:
        v.guest.add("container")
    if doc.exists("/proc/xen"):
        if any("control_d" in line for line in doc.file_lines("/proc/xen/capabilities")):
            v.host_is("xen")
        else:
            v._set("xen", "guest")
        v.found = True


def _dmi(doc: Document, v: _Virt) -> None:
    dmi = "/sys/devices/virtual/dmi/id/"
    product, vendor = doc.file(dmi + "product_name"), doc.file(dmi + "sys_vendor")
    family, bios = doc.file(dmi + "product_family"), doc.file(dmi + "bios_vendor")
    checks = (
        (product in _KVM_PRODUCTS, "kvm"),
        (vendor == "oVirt", "oVirt"),
        (vendor == "Red Hat" and family == "RHV", "RHV"),
        (vendor == "Red Hat" and family != "RHV" and product == "RHEV Hypervisor", "RHEV"),
        (bool(product and product.startswith("VMware")), "VMware"),
        (product in ("OpenStack Compute", "OpenStack Nova"), "openstack"),
        (bios == "Xen", "xen"),
        (bios == "innotek GmbH", "virtualbox"),
        (bios in ("Amazon EC2", "DigitalOcean", "Hetzner", "Linode"), "kvm"),
        (vendor in _KVM_SYS_VENDORS, "kvm"),
        (vendor == "KubeVirt", "KubeVirt"),
        (vendor == "Microsoft Corporation", "VirtualPC"),
        (vendor == "Parallels Software International Inc.", "parallels"),
        (vendor == "OpenStack Foundation", "openstack"),
    )
    for matched, tech in checks:
        if matched:
            v.guest_is(tech, role=None)


def _proc(doc: Document, v: _Virt) -> None:
    for line in doc.file_lines("/proc/self/status"):
        if re.match(r"^VxID:\s+\d+", line):
            if re.match(r"^VxID:\s+0", line):
                v.host_is("linux_vserver")
            else:
                v.guest_is("linux_vserver")
    for line in doc.file_lines("/proc/cpuinfo"):
        for pattern, tech in _CPUINFO_GUESTS:
            if re.match(pattern, line):
                v.guest_is(tech, role="LPAR" if tech == "PR/SM" else "guest")
                break
    modules = [line.split(" ", 1)[0] for line in doc.file_lines("/proc/modules")]
    if "kvm" in modules:
        rhev = doc.exists("/rhev/") and bool({"vdsm", "vdsmd"} & set(doc.lines("comms")))
        v.host.update({"kvm", "RHEV"} if rhev else {"kvm"})
        v._set("RHEV" if rhev else "kvm", "host")
    if "vboxdrv" in modules:
        v.host_is("virtualbox")
    if "virtio" in modules:
        v.host.add("kvm")
        v._set("kvm", "guest")


def virtualization_facts(doc: Document) -> Facts:
    """virtualization_type, _role, _tech_guest, _tech_host."""
    v = _Virt()
    _containers(doc, v)
    if not v.found:
        v.facts["virtualization_role"] = "guest"  # assumed, withdrawn below if nothing matches
    _dmi(doc, v)
    if not v.found:
        v.facts.pop("virtualization_role", None)
    _proc(doc, v)
    product = "".join(
        line.strip()
        for line in (doc.output("dmidecode") or "").splitlines()
        if not line.startswith("#")
    )
    if product.startswith("VMware"):
        v.guest_is("VMware")
    if "BHYVE" in (doc.output("dmidecode") or ""):
        v.guest_is("bhyve")
    if doc.exists("/dev/kvm"):
        v.host_is("kvm")
    if not v.found:
        v.facts.update(virtualization_type="NA", virtualization_role="NA")
    return {
        **v.facts,
        "virtualization_tech_guest": sorted(v.guest),
        "virtualization_tech_host": sorted(v.host),
    }
