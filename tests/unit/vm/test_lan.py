"""lan:NAME networks: the switch (as data and as a real process on 127.0.0.1), address
allocation, the domain XML of a LAN NIC and the static address in the seed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from dockyard.errors import ProviderError
from dockyard.vm.domain import DomainConfig, Metadata, domain_xml, parse_domain
from dockyard.vm.hub import Switch
from dockyard.vm.lan import (
    LanSeat,
    hub_pid,
    lan_locked,
    next_address,
    release_seats,
    reserved_seats,
    start_hub,
    stop_hub,
    stop_unused_hub,
    take_seats,
)
from dockyard.vm.nic import nics_of
from dockyard.vm.seed import seed_files
from dockyard.vm.spec import VmSpec

A, B, C = (bytes.fromhex(mac) for mac in ("525400000001", "525400000002", "525400000003"))
BROADCAST = b"\xff" * 6


def frame(destination: bytes, source: bytes, payload: bytes = b"hello") -> bytes:
    return destination + source + b"\x08\x00" + payload


# ---------------------------------------------------------------- the switch as data
def test_unknown_and_broadcast_destinations_are_flooded_to_every_other_port() -> None:
    switch = Switch([1001, 1002, 1003])
    assert switch.route(frame(BROADCAST, A), 1001) == [1002, 1003]
    assert switch.route(frame(C, A), 1001) == [1002, 1003]  # C not learned yet


def test_a_learned_destination_gets_the_frame_alone() -> None:
    switch = Switch([1001, 1002, 1003])
    switch.route(frame(BROADCAST, A), 1001)
    assert switch.route(frame(A, B), 1002) == [1001]
    assert switch.route(frame(B, A), 1001) == [1002]


def test_a_port_heard_from_joins_the_flood_and_a_frame_to_its_own_port_goes_nowhere() -> None:
    switch = Switch([1001])
    switch.route(frame(BROADCAST, C), 1009)
    assert switch.route(frame(BROADCAST, A), 1001) == [1009]
    assert switch.route(frame(C, C), 1009) == []
    assert switch.route(b"short", 1001) == []


# ---------------------------------------------------------------- the switch as a process
@pytest.fixture()
def peers() -> Iterator[list[socket.socket]]:
    socks = []
    for _ in range(3):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.5)
        socks.append(sock)
    yield socks
    for sock in socks:
        sock.close()


def port_of(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


def received(sock: socket.socket) -> bytes | None:
    try:
        return sock.recv(65536)
    except TimeoutError:
        return None


def test_the_hub_process_switches_frames_between_machines_and_stops_by_pid(
        tmp_path: Path, peers: list[socket.socket]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        hub_port = port_of(probe)
    pid = start_hub(tmp_path, "lab-a", hub_port, [port_of(sock) for sock in peers])
    assert pid is not None
    try:
        assert hub_pid(tmp_path, "lab-a") == pid
        assert start_hub(tmp_path, "lab-a", hub_port, []) is None  # running: not started twice
        one, two, three = peers
        hello = frame(BROADCAST, A)
        one.sendto(hello, ("127.0.0.1", hub_port))
        assert received(two) == hello and received(three) == hello and received(one) is None
        reply = frame(A, B, b"reply")
        two.sendto(reply, ("127.0.0.1", hub_port))
        assert received(one) == reply
        assert received(three) is None  # A was learned: the unicast reply is not flooded
    finally:
        assert stop_hub(tmp_path, "lab-a")
    assert hub_pid(tmp_path, "lab-a") is None and list(tmp_path.iterdir()) == []  # no PID file, log or lock
    assert not Path(f"/proc/{pid}").exists()
    assert not stop_hub(tmp_path, "lab-a")


def test_a_stale_pid_file_is_not_a_running_hub(tmp_path: Path) -> None:
    (tmp_path / "lab-a.pid").write_text(f"{os.getpid()}\n")  # this test process: not a hub
    assert hub_pid(tmp_path, "lab-a") is None


def test_a_hub_that_cannot_bind_reports_its_log(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(("127.0.0.1", 0))
        with pytest.raises(ProviderError, match="did not start") as error:
            start_hub(tmp_path, "lab-a", port_of(busy), [])
    assert "Address already in use" in str(error.value)


# ---------------------------------------------------------------- addresses and NICs
def test_addresses_are_handed_out_from_dot_ten_and_reused_when_freed() -> None:
    assert next_address("10.88.0.0/24", []) == "10.88.0.10/24"
    assert next_address("10.88.0.0/24", ["10.88.0.10/24", "10.88.0.12/24"]) == "10.88.0.11/24"
    with pytest.raises(ProviderError, match="no free address"):
        next_address("10.88.0.0/29", [])


def test_a_lan_entry_names_a_plain_lan() -> None:
    nics = nics_of("vm1", ("user", "lan:swarm"))
    assert [(nic.kind, nic.source, nic.guest_name) for nic in nics] == [("user", "", "eth0"), ("lan", "swarm", "eth1")]
    with pytest.raises(ProviderError, match="names nothing"):
        nics_of("vm1", ("lan:",))
    with pytest.raises(ProviderError, match="not a plain name"):
        nics_of("vm1", ("lan:../x",))


SEAT = LanSeat("swarm", 1, "10.88.0.10/24", 41001, 41000)


def test_a_lan_nic_is_a_udp_socket_to_the_switch_and_its_place_is_kept_in_the_metadata() -> None:
    meta = Metadata(owner="dockyard", ssh_port=2201, lans=(SEAT,))
    config = DomainConfig(name="vm1", cpus=1, memory_mib=1024, disk_path="/p/vm1.qcow2", seed_path="/p/s.iso",
                          nics=tuple(nics_of("vm1", ("user", "lan:swarm"))), metadata=meta)
    text = domain_xml(config)
    root = ET.fromstring(text)
    interface = root.find("devices/interface[@type='udp']")
    assert interface is not None
    assert interface.find("mac").get("address") == nics_of("vm1", ("user", "lan:swarm"))[1].mac  # type: ignore[union-attr]
    source = interface.find("source")
    assert source is not None and (source.get("address"), source.get("port")) == ("127.0.0.1", "41000")
    assert source.find("local").attrib == {"address": "127.0.0.1", "port": "41001"}  # type: ignore[union-attr]
    assert root.find("devices/channel") is None  # no guest agent needed: the address is static
    assert parse_domain(text).metadata == meta


def test_the_seed_gives_the_lan_nic_its_static_address_and_the_others_dhcp() -> None:
    spec = VmSpec(name="vm1", networks=("user", "lan:swarm"))
    config = yaml.safe_load(seed_files(spec, (SEAT,))["network-config"])
    assert config["ethernets"]["eth0"]["dhcp4"] is True
    assert config["ethernets"]["eth1"]["addresses"] == ["10.88.0.10/24"]
    assert "dhcp4" not in config["ethernets"]["eth1"]
    assert seed_files(spec, (SEAT,))["user-data"] == seed_files(replace(spec), ())["user-data"]


def test_machines_started_at_once_start_one_switch(tmp_path: Path) -> None:

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        hub_port = port_of(probe)
    with ThreadPoolExecutor(4) as pool:
        started = list(pool.map(lambda _: start_hub(tmp_path, "lab-a", hub_port, []), range(4)))
    try:
        assert len([pid for pid in started if pid is not None]) == 1
        assert hub_pid(tmp_path, "lab-a") in started
    finally:
        stop_hub(tmp_path, "lab-a")


_RESERVER = """
import sys
from pathlib import Path
from dockyard.vm.lan import take_seats
print(take_seats(Path(sys.argv[1]), "10.88.0.0/24", [("swarm", 1)], list)[0].address, flush=True)
sys.stdin.read()
"""


def test_a_place_another_process_holds_is_not_handed_out_until_that_process_is_gone(tmp_path: Path) -> None:
    other = subprocess.Popen([sys.executable, "-c", _RESERVER, str(tmp_path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline() == "10.88.0.10/24\n"
        mine = take_seats(tmp_path, "10.88.0.0/24", [("swarm", 1)], list)
        assert mine[0].address == "10.88.0.11/24"
        with lan_locked(tmp_path):
            held = reserved_seats(tmp_path)
        assert sorted(seat.address for seat in held) == ["10.88.0.10/24", "10.88.0.11/24"]
        assert mine[0].hub_port == next(seat.hub_port for seat in held if seat not in mine)  # one switch
    finally:
        other.send_signal(signal.SIGKILL)  # dies holding it, as a crashed dockyard would
        other.communicate()
    release_seats(tmp_path, mine)
    assert take_seats(tmp_path, "10.88.0.0/24", [("swarm", 1)], list)[0].address == "10.88.0.10/24"
    assert len(list(tmp_path.glob("*.seats"))) == 1  # the dead process's file is gone, this one's is here


def test_a_create_finishing_meanwhile_is_seen_in_its_reservation_or_its_domain(tmp_path: Path) -> None:
    """The other create defines its domain, then drops its reservation: reading the reservations
    first, then the domains, sees its place in one of them whenever that happens."""
    theirs = take_seats(tmp_path, "10.88.0.0/24", [("swarm", 1)], list)
    defined: list[LanSeat] = []

    def domains_now() -> list[LanSeat]:
        seen = list(defined)
        defined.extend(theirs)  # right after this read: their domain is defined ...
        release_seats(tmp_path, theirs)  # ... and their reservation dropped
        return seen

    mine = take_seats(tmp_path, "10.88.0.0/24", [("swarm", 1)], domains_now)
    assert mine[0].address != theirs[0].address
    release_seats(tmp_path, mine)
    assert list(tmp_path.iterdir()) == []


def test_choosing_places_waits_for_another_process_holding_the_lock(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from dockyard.vm.lan import lan_locked\n"
         "with lan_locked(Path(sys.argv[1])):\n    print('locked', flush=True); sys.stdin.read()", str(tmp_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with ThreadPoolExecutor(1) as pool:
            choosing = pool.submit(take_seats, tmp_path, "10.88.0.0/24", [("swarm", 1)], list)
            with pytest.raises(FutureTimeout):
                choosing.result(timeout=0.5)
            holder.communicate("")  # the holder lets go
            release_seats(tmp_path, choosing.result(timeout=10))
    finally:
        holder.kill()
        holder.communicate()


def test_a_switch_is_not_stopped_while_a_create_on_its_lan_is_under_way(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        hub_port = port_of(probe)
    start_hub(tmp_path, "lab-a", hub_port, [])
    try:
        pending = take_seats(tmp_path, "10.88.0.0/24", [("lab-a", 1)], list)
        assert not stop_unused_hub(tmp_path, "lab-a", list)
        assert hub_pid(tmp_path, "lab-a") is not None
        release_seats(tmp_path, pending)
        assert stop_unused_hub(tmp_path, "lab-a", list)
        assert hub_pid(tmp_path, "lab-a") is None
        assert list(tmp_path.iterdir()) == []
    finally:
        stop_hub(tmp_path, "lab-a")


def test_nics_sit_at_pci_slots_in_their_order_so_the_guest_names_them_eth0_eth1() -> None:
    nics = tuple(nics_of("vm1", ("user", "lan:swarm", "default")))
    meta = Metadata(owner="dockyard", ssh_port=2201, lans=(SEAT,))
    config = DomainConfig(name="vm1", cpus=1, memory_mib=1024, disk_path="/p/vm1.qcow2", seed_path="/p/s.iso",
                          nics=nics, metadata=meta)
    root = ET.fromstring(domain_xml(config))
    slots = [interface.find("address").get("slot") for interface in root.iterfind("devices/interface")]  # type: ignore[union-attr]
    assert slots == ["0x11", "0x12"]
    assert "addr=0x10" in domain_xml(config)  # the user-mode NIC (qemu:commandline) is first
