"""Reading every domain while another dockyard process deletes machines.

CI caught it (2026-11-24): one `dockyard play` deleting six machines in parallel failed on one
of them with "Domain not found: no domain with matching uuid" of *another* machine, deleted by a
sibling thread between the provider's listing of the domains and its reading of that one's XML
(to see whether the LAN's switch was still used). A domain gone by then is simply not defined.

These tests make that moment certain instead of rare: the connection is libvirt's own
in-process test driver (``test:///default``, a real libvirt driver with no daemon, not a mock of
dockyard's code), wrapped so that right after ``listAllDomains`` answers, one domain is
undefined - as another process would.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dockyard.vm.domain import DomainConfig, Metadata, domain_xml
from dockyard.vm.lan import LanSeat
from dockyard.vm.libvirt import LibvirtProvider, _unless_gone
from dockyard.vm.libvirt_options import LibvirtOptions
from dockyard.vm.nic import nics_of
from dockyard.vm.spec import VmSpec

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed (pip install -e '.[libvirt]')")


class UndefinesAfterListing:
    """A libvirt connection on which ``victim`` is undefined just after each listing of domains,
    or just after it was looked up by name."""

    def __init__(self, conn: Any, victim: str) -> None:
        self._conn = conn
        self.victim = victim

    def listAllDomains(self, flags: int) -> list[Any]:
        listed = self._conn.listAllDomains(flags)
        self._conn.lookupByName(self.victim).undefine()
        return listed

    def lookupByName(self, name: str) -> Any:
        found = self._conn.lookupByName(name)
        if name == self.victim:
            found.undefine()
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def seat(index: int) -> LanSeat:
    return LanSeat(lan="lan1", index=1, address=f"10.88.0.{10 + index}/24", port=40000 + index, hub_port=39999)


def define(conn: Any, name: str, index: int) -> None:
    meta = Metadata(owner="dockyard", lab="lab1", ssh_port=2200 + index, lans=(seat(index),))
    conn.defineXML(domain_xml(DomainConfig(
        name=name, cpus=1, memory_mib=256, disk_path=f"/pool/{name}.qcow2", seed_path=f"/pool/{name}-seed.iso", nics=tuple(nics_of(name, ())),
        metadata=meta, console_log="")))


@pytest.fixture
def provider(tmp_path: Path) -> Any:
    conn = libvirt.open("test:///default")  # a fresh, private test driver per open
    for index, name in enumerate(("vm-a", "vm-b", "vm-c")):
        define(conn, name, index)
    options = replace(LibvirtOptions.from_mapping({"uri": "test:///default"}), lan_dir=str(tmp_path))
    yield LibvirtProvider(UndefinesAfterListing(conn, "vm-b"), options)  # type: ignore[arg-type]
    conn.close()


def test_the_places_on_lans_leave_out_a_machine_deleted_while_they_are_read(provider: Any) -> None:
    assert set(provider._seats_defined()) == {seat(0), seat(2)}


def test_the_machines_of_a_lab_leave_out_one_deleted_while_they_are_read(provider: Any) -> None:
    assert sorted(state.name for state in provider.owned("lab1")) == ["vm-a", "vm-c"]


def test_a_machine_deleted_just_after_it_was_found_reads_as_absent(provider: Any) -> None:
    assert provider.read(VmSpec(name="vm-b")) is None
    assert provider.read(VmSpec(name="vm-a")).name == "vm-a"


def test_only_no_such_domain_is_taken_as_gone() -> None:
    conn = libvirt.open("test:///default")
    with _unless_gone():
        conn.lookupByName("no-such-vm")
    with pytest.raises(libvirt.libvirtError, match="missing name"), _unless_gone():
        conn.defineXML("<domain/>")
    conn.close()
