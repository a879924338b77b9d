"""The precedence list of dockyard/inventory/vars.py, one rule per test, and origins."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.inventory import Inventory, load_inventory
from dockyard.inventory.vars import layers, magic_vars, sort_groups


def build(tmp_path: Path, files: dict[str, str], source: str = "hosts.ini") -> Inventory:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return load_inventory([tmp_path / source])


TREE = "[top:children]\nmid\n[mid:children]\nleaf\n[leaf]\nh1\n"


def test_child_group_beats_parent_beats_all(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": TREE + (
        "[all:vars]\nv=all\na=all\n[top:vars]\nv=top\nt=top\n[leaf:vars]\nv=leaf\n")})
    assert inventory.get_vars("h1") == {"v": "leaf", "a": "all", "t": "top"}


def test_depth_is_the_longest_path_from_all(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": TREE + (
        "[short:children]\nleaf\n[short:vars]\nv=short\n[mid:vars]\nv=mid\n")})
    assert [g.depth for g in (inventory.groups[n] for n in ("top", "mid", "leaf", "short"))] == [
        1, 2, 3, 1]
    assert inventory.get_vars("h1")["v"] == "mid"


def test_priority_orders_groups_of_equal_depth(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": (
        "[alpha]\nh\n[zeta]\nh\n[alpha:vars]\nv=alpha\nansible_group_priority=10\n"
        "[zeta:vars]\nv=zeta\n")})
    assert inventory.get_vars("h")["v"] == "alpha"


def test_name_orders_groups_of_equal_depth_and_priority(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": "[b]\nh\n[a]\nh\n[a:vars]\nv=a\n[b:vars]\nv=b\n"})
    assert inventory.get_vars("h")["v"] == "b"


def test_depth_beats_priority(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": TREE + (
        "[alpha]\nh1\n[alpha:vars]\nv=alpha\nansible_group_priority=99\n[leaf:vars]\nv=leaf\n")})
    assert inventory.get_vars("h1")["v"] == "leaf"


def test_group_vars_all_beats_any_inventory_group_var(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": TREE + "[leaf:vars]\nv=leaf-inventory\n",
                                 "group_vars/all.yml": "v: group_vars-all\n"})
    assert inventory.get_vars("h1")["v"] == "group_vars-all"


def test_group_vars_files_follow_group_order(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": TREE, "group_vars/top.yml": "v: top\nt: top\n",
                                 "group_vars/leaf.yml": "v: leaf\n",
                                 "group_vars/all.yml": "v: all\nt: all\n"})
    assert inventory.get_vars("h1") == {"v": "leaf", "t": "top"}


def test_host_inventory_vars_beat_group_vars_files(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": "[leaf]\nh1 v=host\n",
                                 "group_vars/leaf.yml": "v: group_vars\n"})
    assert inventory.get_vars("h1")["v"] == "host"


def test_host_vars_files_beat_everything(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": "[leaf]\nh1 v=host\n",
                                 "host_vars/h1.yml": "v: host_vars\n"})
    assert inventory.get_vars("h1")["v"] == "host_vars"


def test_later_source_vars_dir_wins_within_a_layer(tmp_path: Path) -> None:
    for name, text in {"a/hosts.ini": "[web]\nw\n[db]\nw\n", "a/group_vars/web.yml": "v: a-web\n",
                       "b/hosts.ini": "[db]\nw\n", "b/group_vars/db.yml": "v: b-db\n",
                       "a/group_vars/db.yml": "v: a-db\n"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    inventory = load_inventory([tmp_path / "a/hosts.ini", tmp_path / "b/hosts.ini"])
    # groups sort db < web, so within source a web wins; source b comes after a.
    assert inventory.get_vars("w")["v"] == "b-db"


def test_values_are_replaced_whole_not_merged(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": "[leaf]\nh1\n",
                                 "group_vars/all.yml": "d: {a: 1, b: 2}\n",
                                 "group_vars/leaf.yml": "d: {a: 9}\n"})
    assert inventory.get_vars("h1")["d"] == {"a": 9}


def test_origins_and_hidden_values(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": "[web]\nh1 v=host\n[web:vars]\nv=group\nonly=1\n",
                                 "group_vars/web.yml": "v: file\n"})
    explained = inventory.var_origins("h1")
    winner = explained["v"]
    assert winner.value == "host" and winner.rank == 5
    assert str(winner.origin) == f"{tmp_path / 'hosts.ini'}:2 host line in [web]"
    assert [str(h.origin) for h in winner.hidden] == [
        f"{tmp_path / 'hosts.ini'}:4 [web:vars]", f"{tmp_path / 'group_vars/web.yml'}:1"]
    assert [h.value for h in winner.hidden] == ["group", "file"]
    assert str(explained["only"].origin).endswith("hosts.ini:5 [web:vars]")


def test_layers_are_numbered_like_the_docs(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": "[web]\nh1 x=1\n[all:vars]\ny=1\n",
                                 "group_vars/all.yml": "a: 1\n", "group_vars/web.yml": "b: 1\n",
                                 "host_vars/h1.yml": "c: 1\n"})
    ranks = [layer.rank for layer in layers(inventory, inventory.hosts["h1"])]
    assert ranks == [1, 2, 3, 4, 5, 6]


def test_group_names_is_ansibles(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": "solo\n" + TREE + "[alpha]\nh1\n"})
    assert inventory.group_names("h1") == ["alpha", "leaf", "mid", "top"]
    assert inventory.group_names("solo") == ["ungrouped"]


def test_magic_vars(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": "[web]\nweb1.example.com\n10.0.0.1\n"})
    magic = magic_vars(inventory, inventory.hosts["web1.example.com"])
    assert magic["inventory_hostname_short"] == "web1"
    assert magic["groups"]["web"] == ["web1.example.com", "10.0.0.1"]
    assert magic["inventory_file"] == str(tmp_path / "hosts.ini")
    assert magic_vars(inventory, inventory.hosts["10.0.0.1"])["inventory_hostname_short"] == "10.0.0.1"


def test_implicit_localhost_gets_all_vars_and_local_connection(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": "[web]\nw\n[all:vars]\nsite=x\n",
                                 "host_vars/localhost.yml": "lv: 1\n"})
    assert "localhost" not in inventory.hosts
    assert inventory.get_vars("localhost") == {"site": "x", "ansible_connection": "local", "lv": 1}


def test_unknown_host_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": "[web]\nweb01\n"})
    with pytest.raises(Exception, match="no host named 'web1'") as info:
        inventory.get_vars("web1")
    assert getattr(info.value, "hint", "") == "did you mean 'web01'?"


def test_sort_groups_key(tmp_path: Path) -> None:
    inventory = build(tmp_path, {"hosts.ini": TREE + "[b]\nh1\n[a]\nh1\n"})
    groups = [g for g in inventory.groups_of("h1") if g.name != "all"]
    assert [g.name for g in sort_groups(groups)] == ["a", "b", "top", "mid", "leaf"]
