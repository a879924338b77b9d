"""Host patterns: every form, Ansible's evaluation order, and what matched nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.errors import InventoryError
from dockyard.inventory import Inventory, load_inventory
from dockyard.inventory.patterns import order_parts, split_pattern

INVENTORY = """\
solo
[web]
web[01:04]
[db]
db-[a:c]
[staging]
web03
db-c
[prod:children]
web
db
"""


@pytest.fixture
def inventory(tmp_path: Path) -> Inventory:
    path = tmp_path / "hosts.ini"
    path.write_text(INVENTORY)
    return load_inventory([path])


def select(inventory: Inventory, pattern: str) -> list[str]:
    return [host.name for host in inventory.select(pattern)]


@pytest.mark.parametrize(
    ("pattern", "parts"),
    [
        ("web", ["web"]),
        ("web:db", ["web", "db"]),
        ("web, db ,", ["web", "db"]),
        ("web:&staging:!web03", ["web", "&staging", "!web03"]),
        ("web[1:2]", ["web[1:2]"]),
        ("web[1:2]:db", ["web[1:2]", "db"]),
        ("fe80::1", ["fe80::1"]),
        ("host:22", ["host:22"]),
        ("~web0[12]:db", ["~web0[12]", "db"]),
    ],
)
def test_split_pattern(pattern: str, parts: list[str]) -> None:
    assert split_pattern(pattern) == parts


def test_order_parts_puts_intersections_then_exclusions_last() -> None:
    assert order_parts(["!a", "b", "&c", "d"]) == ["b", "d", "&c", "!a"]
    assert order_parts(["!a"]) == ["all", "!a"]


@pytest.mark.parametrize(
    ("pattern", "hosts"),
    [
        # all's children are [ungrouped, staging, prod]: breadth first, as Ansible
        ("all", ["solo", "web03", "db-c", "web01", "web02", "web04", "db-a", "db-b"]),
        ("*", ["solo", "web03", "db-c", "web01", "web02", "web04", "db-a", "db-b"]),
        ("web", ["web01", "web02", "web03", "web04"]),
        ("web01", ["web01"]),
        ("web0[!24]", ["web01", "web03"]),
        ("web0[13]", []),  # as in Ansible: [13] is a subscript of 'web0', not a glob
        ("db-?", ["db-a", "db-b", "db-c"]),
        ("web:db", ["web01", "web02", "web03", "web04", "db-a", "db-b", "db-c"]),
        ("db,web01", ["db-a", "db-b", "db-c", "web01"]),
        ("prod:&staging", ["web03", "db-c"]),
        ("prod:!staging", ["web01", "web02", "web04", "db-a", "db-b"]),
        ("!staging:web", ["web01", "web02", "web04"]),
        ("&staging:web", ["web03"]),
        ("!prod", ["solo"]),
        ("~web0[2-3]", ["web02", "web03"]),
        ("~db", ["db-a", "db-b", "db-c"]),
        ("web[0]", ["web01"]),
        ("web[-1]", ["web04"]),
        ("web[1:2]", ["web02", "web03"]),
        ("web[2:]", ["web03", "web04"]),
        ("web[1-2]", ["web02", "web03"]),
        ("web*[0]", ["web01"]),
        ("ungrouped", ["solo"]),
        ("st*", ["web03", "db-c"]),
        ("web01:web01:web", ["web01", "web02", "web03", "web04"]),
        ("nothing", []),
    ],
)
def test_patterns(inventory: Inventory, pattern: str, hosts: list[str]) -> None:
    assert select(inventory, pattern) == hosts


def test_unmatched_parts_are_reported_not_raised(inventory: Inventory) -> None:
    selection = inventory.resolve("web:nosuch:!gone:&staging")
    assert selection.names == ["web03"]
    assert selection.unmatched == ("nosuch", "!gone")
    assert inventory.resolve("all").unmatched == ()


def test_localhost_is_implicit_when_not_in_the_inventory(inventory: Inventory) -> None:
    [host] = inventory.select("localhost")
    assert host.implicit and host.name == "localhost"
    assert "localhost" not in select(inventory, "all")


def test_localhost_names_a_declared_loopback_host(tmp_path: Path) -> None:
    path = tmp_path / "hosts.ini"
    path.write_text("[web]\n127.0.0.1\nw1\n")
    inventory = load_inventory([path])
    assert select(inventory, "localhost") == ["127.0.0.1"]
    assert inventory.get_vars("localhost") == {}


def test_subscript_out_of_range_is_an_error(inventory: Inventory) -> None:
    with pytest.raises(InventoryError, match="matches only 4") as info:
        inventory.select("web[7]")
    assert info.value.hint == "indexes start at 0; use web[0] to web[3]"
    assert select(inventory, "web[2:9]") == ["web03", "web04"]
    assert select(inventory, "nothing[3]") == []


def test_bad_regex_is_an_error(inventory: Inventory) -> None:
    with pytest.raises(InventoryError, match="invalid host pattern") as info:
        inventory.select("~(web")
    assert info.value.hint


def test_at_file_reads_patterns_per_line(inventory: Inventory, tmp_path: Path) -> None:
    retry = tmp_path / "site.retry"
    retry.write_text("web02\n\ndb-a\n")
    assert select(inventory, f"@{retry}") == ["web02", "db-a"]
    assert select(inventory, f"@{retry}:!db") == ["web02"]


def test_missing_at_file_is_an_error(inventory: Inventory, tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="cannot read the host list file") as info:
        inventory.select(f"@{tmp_path / 'missing.retry'}")
    assert info.value.hint and ".retry" in info.value.hint


def test_group_names_match_before_host_names(tmp_path: Path) -> None:
    path = tmp_path / "hosts.ini"
    path.write_text("[web]\nweb\nother\n[x]\nweb\n")
    inventory = load_inventory([path])
    assert select(inventory, "web") == ["web"]
    path.write_text("[web]\na\n[x]\nweb\n")
    inventory = load_inventory([path])
    assert select(inventory, "web") == ["web"]  # a plain host name is taken as the host
