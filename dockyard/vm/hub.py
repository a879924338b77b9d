"""The switch of a ``lan:NAME`` network: one process per LAN, carrying Ethernet frames between
VMs over UDP on 127.0.0.1 only.

Each VM's LAN NIC is QEMU's ``-netdev socket,udp=127.0.0.1:HUB,localaddr=127.0.0.1:PORT``
(libvirt ``<interface type='udp'>``): every frame the guest sends arrives here as one datagram
from its PORT, and every datagram sent to PORT is a frame the guest receives. The hub is a
learning switch: it remembers which port each source MAC came from, sends a unicast frame
to the port of its destination MAC when known, and floods the rest (broadcast, multicast,
unknown destinations) to every other port it knows. The ports of the LAN's machines are
given on the command line, so a restarted hub floods to them before it has heard from them.

No network device is created on the host and nothing leaves the loopback interface, so a
LAN of lab VMs obeys the rule that tests only reach hosts they made. Run by the libvirt
provider (``dockyard.vm.lan``), detached, as::

    python3 hub.py --name swarm --port 41000 --pid-file /run/dockyard/lan/swarm.pid 41001 41002

Standard library only: the provider runs this file by path with its own interpreter.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from pathlib import Path

LOOPBACK = "127.0.0.1"
#: Frames are at most MTU 1500 + 14 bytes of header (+4 for a VLAN tag); 64 KiB holds any datagram.
DATAGRAM = 65536


def is_unicast(mac: bytes) -> bool:
    """The I/G bit of the first octet is clear for unicast addresses."""
    return not mac[0] & 1


class Switch:
    """Where each frame goes: learned MAC -> port table, flooding otherwise."""

    def __init__(self, ports: list[int]) -> None:
        self.ports: set[int] = set(ports)
        self.table: dict[bytes, int] = {}

    def route(self, frame: bytes, source: int) -> list[int]:
        if len(frame) < 14:
            return []
        self.ports.add(source)
        sender = frame[6:12]
        if is_unicast(sender):
            self.table[sender] = source
        target = self.table.get(frame[0:6]) if is_unicast(frame[0:6]) else None
        if target is not None:
            return [] if target == source else [target]
        return sorted(port for port in self.ports if port != source)


def serve(port: int, peers: list[int], pid_file: Path | None) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((LOOPBACK, port))
    if pid_file is not None:  # written once the port is bound: the provider waits for it
        temporary = pid_file.with_suffix(".tmp")
        temporary.write_text(f"{os.getpid()}\n")
        temporary.replace(pid_file)

    def stop(_signum: int, _frame: object) -> None:
        if pid_file is not None and pid_file.read_text().strip() == str(os.getpid()):
            pid_file.unlink(missing_ok=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    switch = Switch(peers)
    while True:
        try:
            frame, (address, source) = sock.recvfrom(DATAGRAM)
        except OSError:  # an ICMP error of an earlier send to a port nobody listens on
            continue
        if address != LOOPBACK:
            continue
        for target in switch.route(frame, source):
            try:
                sock.sendto(frame, (LOOPBACK, target))
            except OSError:
                continue


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="dockyard's LAN switch: Ethernet frames over UDP on 127.0.0.1")
    parser.add_argument("--name", required=True, help="the LAN's name (shown in ps)")
    parser.add_argument("--port", type=int, required=True, help="the UDP port the machines send to")
    parser.add_argument("--pid-file", type=Path, help="written once the port is bound, removed on exit")
    parser.add_argument("peers", type=int, nargs="*", help="UDP ports of the machines already on the LAN")
    args = parser.parse_args(argv)
    serve(args.port, args.peers, args.pid_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
