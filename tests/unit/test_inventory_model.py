"""The inventory graph: all/ungrouped rules, depths, loops, and changes during a run."""

from __future__ import annotations

import pytest

from dockyard.errors import InventoryError
from dockyard.inventory import Inventory
from dockyard.inventory.model import Origin


def names(items: list) -> list[str]:  # type: ignore[type-arg]
    return [item.name for item in items]


def make() -> Inventory:
    inventory = Inventory()
    web = inventory.ensure_group("web")
    prod = inventory.ensure_group("prod")
    inventory.link_groups(prod, web)
    for name in ("w1", "w2"):
        inventory.add_member(web, inventory.ensure_host(name))
    inventory.ensure_host("lonely")
    inventory.reconcile()
    return inventory


def test_every_inventory_has_all_and_ungrouped() -> None:
    inventory = Inventory()
    assert names(inventory.groups["all"].children) == ["ungrouped"]


def test_reconcile_links_roots_to_all_and_fills_ungrouped() -> None:
    inventory = make()
    assert names(inventory.groups["all"].children) == ["ungrouped", "prod"]
    assert names(inventory.groups["ungrouped"].hosts) == ["lonely"]
    assert [inventory.groups[n].depth for n in ("all", "ungrouped", "prod", "web")] == [0, 1, 1, 2]


def test_host_leaves_ungrouped_when_it_joins_a_group() -> None:
    inventory = make()
    inventory.add_member(inventory.groups["web"], inventory.hosts["lonely"])
    inventory.reconcile()
    assert inventory.groups["ungrouped"].hosts == []
    assert inventory.group_names("lonely") == ["prod", "web"]


def test_all_hosts_is_breadth_first_and_unique() -> None:
    inventory = make()
    db = inventory.ensure_group("db")
    inventory.link_groups(inventory.groups["prod"], db)
    inventory.add_member(db, inventory.ensure_host("d1"))
    inventory.add_member(inventory.groups["prod"], inventory.hosts["w2"])
    inventory.reconcile()
    assert names(inventory.groups["prod"].all_hosts()) == ["w2", "w1", "d1"]
    assert names(inventory.groups["all"].all_hosts()) == ["lonely", "w2", "w1", "d1"]


def test_loops_and_self_children_are_refused() -> None:
    inventory = make()
    with pytest.raises(InventoryError, match="creates a loop"):
        inventory.link_groups(inventory.groups["web"], inventory.groups["prod"])
    with pytest.raises(InventoryError, match="its own child"):
        inventory.link_groups(inventory.groups["web"], inventory.groups["web"])


def test_add_host_like_the_add_host_module() -> None:
    inventory = make()
    host = inventory.add_host("new1", groups=["web", "fresh"], vars={"x": 1})
    assert inventory.hosts["new1"] is host
    assert inventory.group_names("new1") == ["fresh", "prod", "web"]
    assert inventory.get_vars("new1") == {"x": 1}
    assert names(inventory.groups["all"].children)[-1] == "fresh"
    assert str(inventory.var_origins("new1")["x"].origin) == "add_host"
    inventory.add_host("solo")
    assert inventory.group_names("solo") == ["ungrouped"]


def test_add_group_like_group_by() -> None:
    inventory = make()
    group = inventory.add_group("os_debian", parents=["linux"], hosts=["w1", "lonely"])
    assert names(group.hosts) == ["w1", "lonely"]
    assert names(inventory.groups["linux"].children) == ["os_debian"]
    assert inventory.groups["os_debian"].depth == 2
    assert inventory.groups["ungrouped"].hosts == []
    assert names(inventory.select("linux")) == ["w1", "lonely"]


def test_add_group_with_unknown_host_is_an_error() -> None:
    with pytest.raises(InventoryError, match="no host named 'nope'"):
        make().add_group("g", hosts=["nope"])


def test_host_and_group_of_the_same_name_warns() -> None:
    inventory = make()
    inventory.ensure_host("web")
    inventory.reconcile()
    assert [w.message for w in inventory.warnings] == ["'web' is both a host and a group"]


def test_origin_text() -> None:
    from dockyard.source import Span

    assert str(Origin(Span("inv.ini", 12, 3), "[web:vars]")) == "inv.ini:12 [web:vars]"
    assert str(Origin(Span("group_vars/web.yml", 3, 1))) == "group_vars/web.yml:3"
    assert str(Origin(None)) == "unknown"
