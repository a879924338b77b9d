"""CPU, memory and mounts: Ansible's ``LinuxHardware`` from dumped files.

- CPU: ``/proc/cpuinfo``, counted exactly as ansible-core counts it (including
  its quirks, so that ``processor_count``/``processor_vcpus`` agree with Ansible
  on every architecture it special-cases); ``processor_nproc`` is the CPU
  affinity of the shell (``Cpus_allowed_list`` of ``/proc/self/status``),
  which is what Ansible's ``os.sched_getaffinity(0)`` returns.
- Memory: ``/proc/meminfo`` in MiB, floored like Ansible's ``// 1024``.
- Mounts: ``/etc/mtab`` (or ``/proc/mounts``) filtered like Ansible, sizes from
  one ``stat -f`` over all kept mount points, UUIDs from ``lsblk``, bind mounts
  from ``findmnt``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dockyard.facts.base import Document, Facts

__all__ = ["cpu_facts", "memory_facts", "mount_facts"]

_ORIGINAL_MEMORY = ("MemTotal", "SwapTotal", "MemFree", "SwapFree")
_MEMORY = (*_ORIGINAL_MEMORY, "Buffers", "Cached", "SwapCached")
_OCTAL_ESCAPE = re.compile(r"\\[0-9]{3}")


@dataclass
class _CpuScan:
    """The counters of ansible-core's single pass over ``/proc/cpuinfo``."""

    xen: bool
    processor: list[str] = field(default_factory=list)
    flags: list[str] | None = None
    counts: dict[str, int] = field(
        default_factory=lambda: {"vendor_id": 0, "model name": 0, "processor": 0}
    )
    i: int = 0
    zp: int = 0
    zmt: int = 0
    physid: str = "\0"  # ansible-core starts from the int 0, a key no line can produce
    coreid: str = "\0"
    sockets: dict[str, int] = field(default_factory=dict)
    cores: dict[str, int] = field(default_factory=dict)
    xen_paravirt: bool = False

    def feed(self, key: str, val: str) -> None:
        if self.xen and key == "flags" and "vme" not in val:
            self.xen_paravirt = True
        if key == "flags":
            self.flags = val.split()
        if key in ("model name", "Processor", "vendor_id", "cpu", "Vendor", "processor"):
            self.processor.append(val)
            if key in self.counts:
                self.counts[key] += 1
            self.i += 1
        elif key == "physical id":
            self.physid = val
            self.sockets.setdefault(val, 1)
        elif key == "core id":
            self.coreid = val
            if val not in self.sockets:  # sic: ansible-core tests sockets here
                self.cores[val] = 1
        elif key == "cpu cores":
            self.sockets[self.physid] = int(val)
        elif key == "siblings":
            self.cores[self.coreid] = int(val)
        elif key == "# processors":
            self.zp = int(val)
        elif key == "max thread id":
            self.zmt = int(val) + 1
        elif key == "ncpus active":
            self.i = int(val)

    def facts(self, architecture: str) -> dict[str, Any]:
        facts: dict[str, Any] = {"processor": self.processor}
        if self.flags is not None:
            facts["flags"] = self.flags
        i = self.i
        if self.counts["vendor_id"] and self.counts["vendor_id"] == self.counts["model name"]:
            i = self.counts["vendor_id"]
        if architecture.startswith(("armv", "aarch", "ppc")):
            i = self.counts["processor"]
        if architecture == "s390x":
            cores = round(self.zp / self.zmt) if self.zmt else 0
            facts.update(_same_counts(1, cores, self.zmt, self.zp, self.zp))
        elif self.xen_paravirt:
            facts.update(_same_counts(i, i, 1, i, i))
        else:
            facts.update(_topology(self.sockets, self.cores, i, self.counts["processor"]))
        return facts


def _same_counts(count: int, cores: int, threads: int, vcpus: int, nproc: int) -> dict[str, int]:
    return {
        "processor_count": count,
        "processor_cores": cores,
        "processor_threads_per_core": threads,
        "processor_vcpus": vcpus,
        "processor_nproc": nproc,
    }


def _topology(sockets: dict[str, int], cores: dict[str, int], i: int, nproc: int) -> dict[str, int]:
    count = len(sockets) if sockets else i
    socket_values = list(sockets.values())
    per_socket = socket_values[0] if socket_values and socket_values[0] else 1
    core_values = list(cores.values())
    threads = round((core_values[0] if core_values else 1) / per_socket)
    return _same_counts(count, per_socket, threads, threads * count * per_socket, nproc)


def _affinity(doc: Document) -> int | None:
    """Number of CPUs in ``Cpus_allowed_list`` (e.g. ``0-3,8``)."""
    for line in doc.file_lines("/proc/self/status"):
        key, _, value = line.partition(":")
        if key == "Cpus_allowed_list":
            total = 0
            for part in value.strip().split(","):
                low, _, high = part.partition("-")
                total += int(high or low) - int(low) + 1
            return total
    return None


def cpu_facts(doc: Document, architecture: str) -> Facts:
    """processor, processor_count, _cores, _threads_per_core, _vcpus, _nproc."""
    if not doc.exists("/proc/cpuinfo"):
        return {}
    xen = doc.exists("/proc/xen") or doc.file_lines("/sys/hypervisor/type")[:1] == ["xen"]
    scan = _CpuScan(xen)
    for line in doc.file_lines("/proc/cpuinfo"):
        key, _, val = (part.strip() for part in line.partition(":"))
        scan.feed(key, val)
    facts = scan.facts(architecture)
    nproc = _affinity(doc)
    if nproc is not None:
        facts["processor_nproc"] = nproc
    return facts


def memory_facts(doc: Document) -> Facts:
    """memtotal_mb, memfree_mb, swaptotal_mb, swapfree_mb and the ``memory_mb`` dict."""
    if not doc.exists("/proc/meminfo"):
        return {}
    facts: Facts = {}
    stats: dict[str, int] = {}
    for line in doc.file_lines("/proc/meminfo"):
        key, _, rest = line.partition(":")
        if key in _MEMORY:
            value = int(rest.strip().split(" ")[0]) // 1024
            stats[key.lower()] = value
            if key in _ORIGINAL_MEMORY:
                facts[f"{key.lower()}_mb"] = value
    get = stats.get

    def minus(a: int | None, b: int | None) -> int | None:
        return None if a is None or b is None else a - b

    nocache_free = None
    if None not in (get("cached"), get("memfree"), get("buffers")):
        nocache_free = stats["cached"] + stats["memfree"] + stats["buffers"]
    facts["memory_mb"] = {
        "real": {
            "total": get("memtotal"),
            "used": minus(get("memtotal"), get("memfree")),
            "free": get("memfree"),
        },
        "nocache": {"free": nocache_free, "used": minus(get("memtotal"), nocache_free)},
        "swap": {
            "total": get("swaptotal"),
            "free": get("swapfree"),
            "used": minus(get("swaptotal"), get("swapfree")),
            "cached": get("swapcached"),
        },
    }
    return facts


def _unescape(value: str) -> str:
    return _OCTAL_ESCAPE.sub(lambda m: chr(int(m.group()[1:], 8)), value)


def _bind_mounts(doc: Document) -> set[str]:
    found = set()
    for line in (doc.output("findmnt") or "").splitlines():
        fields = line.split()
        if len(fields) >= 2 and re.match(r".*\]", fields[1]):
            found.add(fields[0])
    return found


def _uuids(doc: Document) -> dict[str, str]:
    uuids: dict[str, str] = {}
    for line in (doc.output("lsblk") or "").splitlines():
        fields = line.strip().rsplit(None, 1)
        if len(fields) == 2:
            uuids.setdefault(fields[0].strip(), fields[1].strip())
    return uuids


def _statfs(doc: Document) -> dict[str, dict[str, int]]:
    """``stat -f -c '%S %s %b %a %c %d %n'`` lines -> Ansible's size keys per mount."""
    sizes: dict[str, dict[str, int]] = {}
    for line in doc.lines("statfs"):
        parts = line.split(" ", 6)
        if len(parts) != 7 or not all(p.lstrip("-").isdigit() for p in parts[:6]):
            raise doc.error("statfs", f"unexpected line {line!r}")
        frsize, bsize, blocks, bavail, files, ffree = (int(p) for p in parts[:6])
        sizes[parts[6]] = {
            "size_total": frsize * blocks,
            "size_available": frsize * bavail,
            "block_size": bsize,
            "block_total": blocks,
            "block_available": bavail,
            "block_used": blocks - bavail,
            "inode_total": files,
            "inode_available": ffree,
            "inode_used": files - ffree,
        }
    return sizes


def mount_facts(doc: Document) -> Facts:
    """``mounts``: one dict per real mount, in mtab order, as Ansible builds them."""
    mtab = "/etc/mtab" if doc.exists("/etc/mtab") else "/proc/mounts"
    binds, uuids, sizes = _bind_mounts(doc), _uuids(doc), _statfs(doc)
    mounts: dict[str, dict[str, Any]] = {}  # keyed by mount point, like ansible-core
    for line in doc.file_lines(mtab):
        fields = [_unescape(field) for field in line.split()]
        if len(fields) < 4:
            continue
        device, mount, fstype, options = fields[:4]
        if (not device.startswith(("/", "\\")) and ":/" not in device) or fstype == "none":
            continue
        info: dict[str, Any] = {
            "mount": mount,
            "device": device,
            "fstype": fstype,
            "options": options,
            "dump": int(fields[4]) if len(fields) > 4 else 0,
            "passno": int(fields[5]) if len(fields) > 5 else 0,
        }
        if mount in binds and not re.match(r'.*bind.*"', options):
            info["options"] += ",bind"
        info.update(sizes.get(mount, {}))
        info["uuid"] = uuids.get(device) or "N/A"
        mounts[mount] = info
    return {"mounts": list(mounts.values())}
