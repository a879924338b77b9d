"""Kernel, machine, names and distribution: Ansible's ``platform`` and ``distribution``.

Sources in the document: ``uname`` (``uname -snrm``), ``/proc/sys/kernel/version``
(what ``uname -v`` prints), ``fqdn`` (``getent hosts`` of the first address of
the node name, which is what Python's ``socket.getfqdn()`` does) and the
machine-id files.
"""

from __future__ import annotations

import re

from dockyard.facts.base import Document, Facts
from dockyard.facts.distribution import distribution_facts

__all__ = ["fqdn_from_hosts", "fqdn_of", "platform_facts"]

_SOLARIS_I86 = re.compile(r"i([3456]86|86pc)")


def fqdn_of(node: str, hosts_line: str | None) -> str:
    """``socket.getfqdn()``: the first of name+aliases with a dot, else the name.

    ``hosts_line`` is ``getent hosts ADDR`` for the node's first address
    (``ADDR CANONICAL ALIAS...``); without it, the node name stands.
    """
    words = (hosts_line or "").split()
    if len(words) < 2:
        return node
    names = words[1:]
    return next((name for name in names if "." in name), names[0])


def fqdn_from_hosts(node: str, hosts: str | None) -> str | None:
    """``getfqdn()`` answered from ``/etc/hosts`` alone (for hosts without ``getent``)."""
    entries = [line.split("#", 1)[0].split() for line in (hosts or "").splitlines()]
    entries = [words for words in entries if len(words) >= 2]
    address = next((words[0] for words in entries if node in words[1:]), None)
    if address is None:
        return None
    return next(fqdn_of(node, " ".join(words)) for words in entries if words[0] == address)


def _kernel_version(doc: Document) -> str:
    version = doc.file("/proc/sys/kernel/version")
    if version is None:
        version = (doc.output("uname_v") or "").strip()
    return version


def platform_facts(doc: Document) -> Facts:
    """system, kernel, kernel_version, machine, architecture, names, distribution."""
    words = (doc.text("uname") or "").split()
    if len(words) != 4:
        raise doc.error("uname", f"expected 'SYSTEM NODE RELEASE MACHINE', got {words!r}")
    system, node, release, machine = words
    version = _kernel_version(doc)
    if "fqdn" in doc:  # getent exists: the same lookups Python makes
        answers = doc.lines("fqdn")
        fqdn = fqdn_of(node, answers[0] if answers else None)
    else:
        fqdn = (
            fqdn_from_hosts(node, doc.raw_file("/etc/hosts"))
            or (doc.text("hostname_f") or "").strip()
            or node
        )
    facts: Facts = {
        "system": system,
        "kernel": release,
        "kernel_version": version,
        "machine": machine,
        "fqdn": fqdn,
        "hostname": node.split(".")[0],
        "nodename": node,
        "domain": ".".join(fqdn.split(".")[1:]),
        "architecture": "i386" if _SOLARIS_I86.search(machine) and machine != "x86_64" else machine,
    }
    machine_id = doc.file("/var/lib/dbus/machine-id") or doc.file("/etc/machine-id")
    if machine_id:
        facts["machine_id"] = machine_id.splitlines()[0]
    facts.update(distribution_facts(doc, system, release, version))
    return facts
