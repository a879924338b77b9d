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
that has chosen its places but not defined its domain yet holds them in a reservation file
(``<pid>-<port>.seats``, removed once the domain is defined or the create failed), so two
``dockyard`` processes creating machines at once never pick the same address or port. A
reservation of a process that died is ignored and removed.
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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dockyard.errors import ProviderError

__all__ = [
    "LanSeat", "free_udp_port", "hub_pid", "lan_locked", "next_address", "release_seats", "reserve_seats",
    "reserved_seats", "start_hub", "stop_hub",
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
    """One switch starter or stopper, or seat chooser (:func:`reserved_seats` then
    :func:`reserve_seats`), at a time, across threads and processes (machines
    of one LAN are started in parallel). The lock is on the directory itself, so nothing is
    left behind. Not re-entrant: never nest two."""
    lan_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lan_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _reservation(lan_dir: Path, seats: tuple[LanSeat, ...]) -> Path:
    return lan_dir / f"{os.getpid()}-{seats[0].port}.seats"


def reserve_seats(lan_dir: Path, seats: tuple[LanSeat, ...]) -> None:
    """Record ``seats`` as taken by this process until :func:`release_seats` (under :func:`lan_locked`)."""
    if not seats:
        return
    path = _reservation(lan_dir, seats)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps([vars(seat) for seat in seats]))
    temporary.replace(path)


def release_seats(lan_dir: Path, seats: tuple[LanSeat, ...]) -> None:
    """Forget the reservation of ``seats`` (their domain is defined now, or will never be)."""
    if seats:
        _reservation(lan_dir, seats).unlink(missing_ok=True)


def reserved_seats(lan_dir: Path) -> list[LanSeat]:
    """The seats that running processes hold for creates not defined yet (under :func:`lan_locked`);
    reservations of processes that died are removed."""
    found: list[LanSeat] = []
    for path in sorted(lan_dir.glob("*.seats")):
        pid = path.name.partition("-")[0]
        if not pid.isdigit() or not _alive(int(pid)):
            path.unlink(missing_ok=True)
            continue
        try:
            found += [LanSeat(**entry) for entry in json.loads(path.read_text())]
        except (OSError, ValueError, TypeError):
            continue  # unreadable: it cannot hold a place
    return found


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
        stopped = _stop(lan_dir, name)
        (lan_dir / f"{name}.log").unlink(missing_ok=True)
        return stopped


def _stop(lan_dir: Path, name: str) -> bool:
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
