"""Host names as inventories write them: ``name:port``, ``[v6addr]:port`` and ranges.

A host entry may carry a port and any number of ranges, expanded left to right::

    >>> split_port("web01.example.com:2222")
    ('web01.example.com', 2222)
    >>> expand_ranges("web[01:03].example.com")
    ['web01.example.com', 'web02.example.com', 'web03.example.com']
    >>> expand_ranges("db-[a:c]")
    ['db-a', 'db-b', 'db-c']
    >>> expand_ranges("node[1:10:4]")
    ['node1', 'node5', 'node9']

The rules are Ansible's: a begin with a leading zero sets the width (and the end must
be written with the same width), letters range over ``a..zA..Z``, an empty begin
means 0. Two deliberate differences: a range that selects nothing (``[5:1]``) is an
error here, where Ansible silently yields no host, and so is a step below 1.
"""

from __future__ import annotations

import ipaddress
import re
import string

__all__ = ["RangeError", "expand_ranges", "is_address", "is_ip", "split_port"]


class RangeError(ValueError):
    """A host range that cannot be expanded; the message says why."""


_NUMERIC_RANGE = r"\[[0-9]+:[0-9]+(?::[0-9]+)?\]"
_ALNUM_RANGE = r"\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]"
_HEX_RANGE = re.compile(r"\[[0-9a-f]+:[0-9a-f]+(?::[0-9]+)?\]", re.I)
_OCTET = rf"(?:[01]?[0-9]{{1,2}}|2[0-4][0-9]|25[0-5]|{_NUMERIC_RANGE})"
_IPV4 = re.compile(rf"^(?:{_OCTET}\.){{3}}{_OCTET}$", re.I)
_LABEL = rf"(?:\w|{_ALNUM_RANGE})(?:[\w-]|{_ALNUM_RANGE})*(?<![_-])"
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$", re.I | re.UNICODE)
_BRACKETED_PORT = re.compile(r"^\[(.+)\]:([0-9]+)$")
_TRAILING_PORT = re.compile(r"^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$")


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(_HEX_RANGE.sub("0", text))
    except ValueError:
        return False
    return True


def is_ip(text: str) -> bool:
    """True for an IPv4 or IPv6 address (ranges allowed), False for a name."""
    return bool(_IPV4.match(text)) or _is_ipv6(text)


def is_address(text: str) -> bool:
    """True for an IPv4/IPv6 address or a DNS-style host name, ranges allowed."""
    return bool(_IPV4.match(text) or _HOSTNAME.match(text)) or _is_ipv6(text)


def split_port(entry: str, *, allow_ranges: bool = True) -> tuple[str, int | None]:
    """Split ``host:port`` (or ``[host]:port``); raise ValueError when it is no address.

    IPv6 addresses take a port only in brackets: ``[fe80::1]:2222``.
    """
    address, port = entry, None
    for form in (_BRACKETED_PORT, _TRAILING_PORT):
        match = form.match(address)
        if match:
            address, port = match.group(1), int(match.group(2))
    if not is_address(address):
        raise ValueError(f"not a host name or address: {address!r}")
    if not allow_ranges and "[" in address:
        raise ValueError("ranges are not allowed here")
    return address, port


def expand_ranges(pattern: str) -> list[str]:
    """Every host name a pattern with ``[begin:end(:step)]`` ranges stands for, in order."""
    if "[" not in pattern:
        return [pattern]
    start = pattern.index("[")
    stop = pattern.find("]")
    if stop < start:
        raise RangeError("a '[' without a closing ']'")
    head, body, tail = pattern[:start], pattern[start + 1 : stop], pattern[stop + 1 :]
    names: list[str] = []
    for item in _range_items(body):
        names.extend(expand_ranges(f"{head}{item}{tail}"))
    return names


def _range_items(body: str) -> list[str]:
    bounds = body.split(":")
    if len(bounds) not in (2, 3):
        raise RangeError(f"[{body}] is not begin:end or begin:end:step")
    begin, end = bounds[0] or "0", bounds[1]
    if not end:
        raise RangeError(f"[{body}] has no end value")
    step = _step(bounds[2] if len(bounds) == 3 else "1", body)
    if len(begin) == 1 and len(end) == 1 and begin.isalpha() and end.isalpha():
        return _letters(begin, end, step, body)
    if not (begin.isdigit() and end.isdigit()):
        raise RangeError(f"[{body}] mixes letters and numbers or is not a range")
    width = len(begin) if begin.startswith("0") and len(begin) > 1 else 0
    if width and len(end) != width:
        raise RangeError(f"[{body}]: begin and end must have the same width ({width} digits)")
    if int(begin) > int(end):
        raise RangeError(f"[{body}] is empty: begin is greater than end")
    return [str(n).zfill(width) for n in range(int(begin), int(end) + 1, step)]


def _step(text: str, body: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise RangeError(f"[{body}]: the step must be a whole number of at least 1")
    return int(text)


def _letters(begin: str, end: str, step: int, body: str) -> list[str]:
    letters = string.ascii_letters
    first, last = letters.index(begin), letters.index(end)
    if first > last:
        raise RangeError(f"[{body}] is empty: begin is after end")
    return list(letters[first : last + 1 : step])
