"""Host entries: ports, IPv6 brackets and [begin:end:step] ranges."""

from __future__ import annotations

import pytest

from dockyard.inventory.ranges import RangeError, expand_ranges, is_address, is_ip, split_port


@pytest.mark.parametrize(
    ("pattern", "names"),
    [
        ("plain.example.com", ["plain.example.com"]),
        ("web[01:03].example.com", ["web01.example.com", "web02.example.com", "web03.example.com"]),
        ("web[8:10]", ["web8", "web9", "web10"]),
        ("node[1:10:4]", ["node1", "node5", "node9"]),
        ("node[01:09:4]", ["node01", "node05", "node09"]),
        ("db-[a:c]", ["db-a", "db-b", "db-c"]),
        ("db-[a:e:2]", ["db-a", "db-c", "db-e"]),
        ("cache-[A:C]", ["cache-A", "cache-B", "cache-C"]),
        ("x[:2]", ["x0", "x1", "x2"]),
        ("r[1:2]-[a:b]", ["r1-a", "r1-b", "r2-a", "r2-b"]),
        ("10.0.0.[1:3]", ["10.0.0.1", "10.0.0.2", "10.0.0.3"]),
    ],
)
def test_ranges_expand_in_order(pattern: str, names: list[str]) -> None:
    assert expand_ranges(pattern) == names


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("web[01:x]", "mixes letters and numbers"),
        ("web[1:]", "no end value"),
        ("web[1:2:3:4]", "begin:end or begin:end:step"),
        ("web[01:100]", "same width"),
        ("web[5:1]", "empty"),
        ("web[c:a]", "empty"),
        ("web[1:5:0]", "step"),
        ("web[1:5:x]", "step"),
        ("web]1:2[", "without a closing"),
    ],
)
def test_bad_ranges_say_why(pattern: str, reason: str) -> None:
    with pytest.raises(RangeError, match=reason):
        expand_ranges(pattern)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("web01", ("web01", None)),
        ("web01.example.com:2222", ("web01.example.com", 2222)),
        ("10.0.0.1:22", ("10.0.0.1", 22)),
        ("[2001:db8::1]:2200", ("2001:db8::1", 2200)),
        ("2001:db8::1", ("2001:db8::1", None)),
        ("web[01:03]:2222", ("web[01:03]", 2222)),
        ("db-[a:c]", ("db-[a:c]", None)),
    ],
)
def test_split_port(entry: str, expected: tuple[str, int | None]) -> None:
    assert split_port(entry) == expected


@pytest.mark.parametrize("entry", ["foo:bar", "web_", "-web", "a b", "web:"])
def test_split_port_refuses_what_is_no_address(entry: str) -> None:
    with pytest.raises(ValueError):
        split_port(entry)


def test_ranges_can_be_refused() -> None:
    with pytest.raises(ValueError):
        split_port("web[1:2]", allow_ranges=False)


def test_address_kinds() -> None:
    assert is_ip("192.0.2.1") and is_ip("::1") and is_ip("10.0.0.[1:3]")
    assert not is_ip("web01.example.com")
    assert is_address("web01.example.com") and is_address("under_score.example")
    assert not is_address("web:")
