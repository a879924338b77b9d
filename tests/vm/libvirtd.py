"""libvirtd for the VM tests, without systemd: started by PID when none answers, stopped by PID.

    python -m tests.vm.libvirtd start    # prints what it did; PIDs in /run/dockyard-test-libvirt/
    python -m tests.vm.libvirtd stop     # stops only daemons this harness started

A daemon that already answers on qemu:///system is used as it is and never stopped. No
libvirt network is ever started: the harness refuses to start libvirtd when a network is
marked autostart (libvirt-daemon-config-network's 'default' NAT network would be).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

URI = "qemu:///system"
RUN_DIR = Path("/run/dockyard-test-libvirt")
AUTOSTART = Path("/etc/libvirt/qemu/networks/autostart")
DAEMONS = ("virtlogd", "libvirtd")


class HarnessError(RuntimeError):
    pass


def answers() -> bool:
    done = subprocess.run(["virsh", "-c", URI, "version"], capture_output=True, timeout=30)
    return done.returncode == 0


def _pid(daemon: str) -> int | None:
    try:
        pid = int((RUN_DIR / f"{daemon}.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return pid


def start() -> list[str]:
    """Start virtlogd and libvirtd unless libvirtd answers; return the daemons started."""
    if answers():
        return []
    for tool in ("libvirtd", "virtlogd", "virsh", "qemu-system-x86_64"):
        if shutil.which(tool) is None:
            raise HarnessError(f"{tool} is missing: run ./dev setup (apt: libvirt-daemon, "
                               "libvirt-daemon-driver-qemu, libvirt-clients, qemu-system-x86)")
    groups = subprocess.run(["id", "-nG", "libvirt-qemu"], capture_output=True, text=True)
    if groups.returncode != 0 or "kvm" not in groups.stdout.split():
        raise HarnessError("user libvirt-qemu is missing or not in group kvm: run ./dev setup "
                           "(libvirtd would re-probe QEMU on every call)")
    if AUTOSTART.is_dir() and any(AUTOSTART.iterdir()):
        raise HarnessError(f"refusing to start libvirtd: a libvirt network is marked autostart in {AUTOSTART}")
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    for directory in ("/run/libvirt", "/var/log/libvirt/qemu"):
        Path(directory).mkdir(parents=True, exist_ok=True)
    started = []
    env = {**os.environ, "LIBVIRT_LOG_OUTPUTS": f"3:file:{RUN_DIR}/libvirtd.log"}
    for daemon in DAEMONS:
        if _pid(daemon) is None:
            subprocess.run([daemon, "-d", "-p", str(RUN_DIR / f"{daemon}.pid")], check=True, env=env)
            started.append(daemon)
    deadline = time.monotonic() + 180  # the first start probes QEMU's capabilities: slow on a busy host
    while time.monotonic() < deadline:
        if answers():
            return started
        time.sleep(0.5)
    raise HarnessError(f"libvirtd started but does not answer on {URI}; see {RUN_DIR}/libvirtd.log")


def stop(daemons: list[str] | tuple[str, ...] = DAEMONS) -> list[str]:
    """Stop the daemons this harness started (by the PIDs it recorded), libvirtd first."""
    stopped = []
    for daemon in reversed(DAEMONS):
        if daemon not in daemons:
            continue
        pid = _pid(daemon)
        if pid is None:
            continue
        os.kill(pid, signal.SIGTERM)
        for attempt in range(600):
            try:
                os.kill(pid, signal.SIGKILL if attempt == 300 else 0)  # 30 s to exit cleanly
            except OSError:
                break
            time.sleep(0.1)
        (RUN_DIR / f"{daemon}.pid").unlink(missing_ok=True)
        stopped.append(f"{daemon} ({pid})")
    return stopped


def main(argv: list[str]) -> int:
    if argv[1:] == ["start"]:
        print("started:", ", ".join(start()) or "nothing (libvirtd already answers)")
        return 0
    if argv[1:] == ["stop"]:
        print("stopped:", ", ".join(stop()) or "nothing")
        return 0
    print(__doc__)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
