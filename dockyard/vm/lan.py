"""``lan:NAME`` networks of the libvirt provider: a private Ethernet segment between VMs.

A machine with ``networks: [user, "lan:swarm"]`` gets a second NIC on the LAN ``swarm``: a
QEMU UDP socket NIC wired to a switch process (:mod:`dockyard.vm.hub`) that carries frames
over 127.0.0.1 only. The provider gives each machine a static address in the LAN's subnet
(``lan_cidr``, default 10.88.0.0/24, from .10 up), recorded with the NIC's ports in the
machine's metadata, so the seed's network-config and a re-created hub always agree.

The switch is started when a machine on the LAN is started and stopped when the last machine
on it is deleted; its PID file and log live in ``lan_dir``. A running machine whose LAN has
no switch shows as drift ("LAN swarm has no switch running") and ``repair`` starts it.

Places are handed out under a lock on ``lan_dir`` (threads and processes alike): a create
holds its places in a reservation file (``<pid>-<port>.seats``, locked by its process while
it holds, removed when the create is done: its domain defined, or nothing made), so two
``dockyard`` processes creating machines at once do not pick the same address or port. A
reservation whose process died (nobody holds its lock) is ignored and removed. A switch is
stopped only when, under the same lock, no machine is defined or being created on its LAN.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from dockyard.errors import ProviderError

__all__ = [
    "LanSeat", "free_udp_port", "hub_pid", "lan_locked", "next_address", "release_seats", "reserved_seats",
    "start_hub", "stop_hub", "stop_unused_hub", "take_seats",
]

HUB_SCRIPT = Path(__file__).with_name("hub.py")
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
FIRST_HOST = 10


@dataclass(frozen=True)
class LanSeat:
    """One machine's place on one LAN: its NIC's index, address (CIDR), its own UDP port and
    the switch's UDP port."""

    lan: str
    index: int
    address: str
    port: int
    hub_port: int


def next_address(cidr: str, taken: Iterable[str]) -> str:
    """The lowest host address of ``cidr`` from .10 up that no machine holds, as address/prefix."""
    network = ipaddress.ip_network(cidr, strict=False)
    used = {str(ipaddress.ip_interface(address).ip) for address in taken}
    for offset, host in enumerate(network.hosts(), start=1):
        if offset >= FIRST_HOST and str(host) not in used:
            return f"{host}/{network.prefixlen}"
    raise ProviderError(f"no free address left in {cidr}", hint="set provider_options.lan_cidr to a larger subnet")


def free_udp_port(taken: Iterable[int]) -> int:
    """A UDP port on 127.0.0.1 that is free now (chosen by the kernel) and not in ``taken``."""
    skip = set(taken)
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in skip:
            return port
    raise ProviderError("no free UDP port on 127.0.0.1")


def _pid_file(lan_dir: Path, name: str) -> Path:
    return lan_dir / f"{name}.pid"


def hub_pid(lan_dir: Path, name: str) -> int | None:
    """The PID of the running switch of LAN ``name``, or None (a stale PID file is not a switch)."""
    try:
        pid = int(_pid_file(lan_dir, name).read_text().strip())
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    if HUB_SCRIPT.name.encode() not in b" ".join(command) or name.encode() not in command:
        return None
    return pid


@contextlib.contextmanager
def lan_locked(lan_dir: Path) -> Iterator[None]:
    """One switch starter or stopper, or seat chooser (:func:`take_seats`), at a time, across
    threads and processes (machines of one LAN are started in parallel). The lock is on the
    directory itself, so nothing is left behind. Not re-entrant: never nest two."""
    lan_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lan_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


_HELD: dict[Path, int] = {}
"""Reservation files of this process, each with its descriptor holding a lock on it."""


def _reservation(lan_dir: Path, seats: tuple[LanSeat, ...]) -> Path:
    return lan_dir / f"{os.getpid()}-{seats[0].port}.seats"


def _reserve_seats(lan_dir: Path, seats: tuple[LanSeat, ...]) -> None:
    """Record ``seats`` as taken until :func:`release_seats` or the end of this process (under
    :func:`lan_locked`). The file stays locked while it holds: that is how others know it does."""
    if not seats:
        return
    path = _reservation(lan_dir, seats)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(descriptor, json.dumps([vars(seat) for seat in seats]).encode())
    except OSError:
        os.close(descriptor)
        path.unlink(missing_ok=True)
        raise
    _HELD[path] = descriptor


def release_seats(lan_dir: Path, seats: tuple[LanSeat, ...]) -> None:
    """Give up the reservation of ``seats`` (their domain is defined now, or will never be)."""
    if not seats:
        return
    path = _reservation(lan_dir, seats)
    descriptor = _HELD.pop(path, None)
    if descriptor is not None:
        path.unlink(missing_ok=True)
        os.close(descriptor)


def reserved_seats(lan_dir: Path) -> list[LanSeat]:
    """The seats held by creates under way, in any process (under :func:`lan_locked`). A file
    nobody holds locked any more (its process died) is removed."""
    found: list[LanSeat] = []
    for path in sorted(lan_dir.glob("*.seats")):
        try:
            descriptor = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:  # its owner holds it: the places are taken
                found += [LanSeat(**entry) for entry in json.loads(path.read_text())]
            else:
                path.unlink(missing_ok=True)
        except (OSError, ValueError, TypeError):
            continue  # unreadable: it cannot hold a place
        finally:
            os.close(descriptor)
    return found


def take_seats(lan_dir: Path, cidr: str, wanted: Sequence[tuple[str, int]],
               defined: Callable[[], list[LanSeat]]) -> tuple[LanSeat, ...]:
    """A place on each LAN of ``wanted`` (LAN name, NIC index): the next free address, a UDP port
    of its own and the LAN's switch port (the one its machines use, else a new one), reserved.

    ``defined()``: the seats of the machines defined now. Reservations are read before it: a
    create that finishes meanwhile defines its domain before it drops its reservation, so its
    places are seen in one or the other.
    """
    with lan_locked(lan_dir):
        known = reserved_seats(lan_dir)
        known += defined()
        seats: list[LanSeat] = []
        for lan, index in wanted:
            on_lan = [seat for seat in known + seats if seat.lan == lan]
            taken_ports = [seat.port for seat in known + seats] + [seat.hub_port for seat in known + seats]
            hub_port = on_lan[0].hub_port if on_lan else free_udp_port(taken_ports)
            port = free_udp_port([*taken_ports, hub_port])
            address = next_address(cidr, [seat.address for seat in on_lan])
            seats.append(LanSeat(lan, index, address, port, hub_port))
        _reserve_seats(lan_dir, tuple(seats))
    return tuple(seats)


def start_hub(lan_dir: Path, name: str, port: int, peers: Iterable[int]) -> int | None:
    """Start the switch of LAN ``name`` on UDP ``port``; its PID, or None when one was running."""
    with lan_locked(lan_dir):
        if hub_pid(lan_dir, name) is not None:
            return None
        return _spawn(lan_dir, name, port, peers)


def _spawn(lan_dir: Path, name: str, port: int, peers: Iterable[int]) -> int:
    pid_file = _pid_file(lan_dir, name)
    pid_file.unlink(missing_ok=True)
    log = lan_dir / f"{name}.log"
    command = [sys.executable, str(HUB_SCRIPT), "--name", name, "--port", str(port),
               "--pid-file", str(pid_file), *(str(peer) for peer in sorted(set(peers)))]
    with open(log, "ab") as output:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                                   start_new_session=True, close_fds=True)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        pid = hub_pid(lan_dir, name)
        if pid is not None:
            return pid
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    tail = log.read_text(errors="replace").strip().splitlines()[-5:]
    raise ProviderError(f"the switch of LAN {name} did not start on 127.0.0.1:{port}: {' | '.join(tail) or 'no output'}",
                        hint=f"its log: {log}")


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its parent does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def stop_hub(lan_dir: Path, name: str) -> bool:
    """Stop the switch of LAN ``name`` (by the PID in its file) and remove its files; whether one
    was running."""
    with lan_locked(lan_dir):
        return _stop(lan_dir, name)


def stop_unused_hub(lan_dir: Path, name: str, defined: Callable[[], list[LanSeat]]) -> bool:
    """Stop the switch of LAN ``name`` if no machine is on it: none defined (``defined()``) and
    none being created (a reservation), checked and stopped under one lock; whether it stopped."""
    with lan_locked(lan_dir):
        if any(seat.lan == name for seat in reserved_seats(lan_dir) + defined()):
            return False
        return _stop(lan_dir, name)


def _stop(lan_dir: Path, name: str) -> bool:
    (lan_dir / f"{name}.log").unlink(missing_ok=True)
    pid = hub_pid(lan_dir, name)
    if pid is None:
        _pid_file(lan_dir, name).unlink(missing_ok=True)
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):  # started by this process: reap it
        os.waitpid(pid, 0)
    _pid_file(lan_dir, name).unlink(missing_ok=True)
    return True
