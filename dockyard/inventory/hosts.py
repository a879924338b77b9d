"""Turning one host entry (``web[01:03]:2222``, ``[fe80::1]:22``, ``db-a``) into hosts.

Shared by the INI and YAML readers and the ``-i 'a,b,'`` host list, so that all three
agree on ports and ranges.
"""

from __future__ import annotations

from dockyard.errors import InventoryError
from dockyard.inventory.model import Host, Inventory
from dockyard.inventory.ranges import RangeError, expand_ranges, split_port
from dockyard.source import Span

__all__ = ["RANGE_HINT", "add_host_entry"]

RANGE_HINT = "ranges look like web[01:20], db-[a:c] or node[1:10:2] (begin:end:step)"


def add_host_entry(inventory: Inventory, entry: str, span: Span, group: str,
                   *, ini: bool = False) -> list[Host]:
    """Create (or find) the hosts ``entry`` stands for and put them in ``group``.

    A ``:port`` suffix becomes ``ansible_port`` of hosts created here. Raises
    InventoryError (with ``span``) for a range that cannot be expanded.
    """
    try:
        pattern, port = split_port(entry)
    except ValueError:
        pattern, port = entry, None
    if ini and entry.strip().endswith(":") and port is None:
        raise InventoryError(f"host {entry!r} ends with ':'", span=span,
                             hint=f"after ':' comes a port number, e.g. {entry.rstrip(':')}:2222")
    try:
        names = expand_ranges(pattern)
    except RangeError as exc:
        raise InventoryError(f"bad host range in {entry!r}: {exc}", span=span,
                             hint=RANGE_HINT) from None
    target = inventory.groups[group]
    hosts = []
    for name in names:
        host = inventory.ensure_host(name, span, port=port, source=span.file)
        inventory.add_member(target, host)
        hosts.append(host)
    return hosts
