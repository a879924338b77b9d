"""YAML inventories: groups, hosts, children, vars with their YAML types, and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.errors import DockyardError
from dockyard.inventory import Inventory
from dockyard.source import Span, render_error
from tests.unit.inventory_support import load_problems, load_text


def load_yml(tmp_path: Path, text: str, name: str = "hosts.yml") -> Inventory:
    return load_text(tmp_path, text, name)


def problems(tmp_path: Path, text: str, name: str = "bad.yml") -> list[DockyardError]:
    return load_problems(tmp_path, text, name)


FULL = """\
all:
  hosts:
    bastion:
      ansible_host: 192.0.2.10
  vars:
    site: example
    nested: {a: [1, 2]}
  children:
    web:
      hosts:
        web[1:2]:
          weight: 1.5
        'jump:2200':
      children:
        canary:
          hosts: canary1
    db:
      hosts:
        db01:
other:
  children:
    db:
"""


def test_groups_hosts_and_children(tmp_path: Path) -> None:
    inventory = load_yml(tmp_path, FULL)
    assert list(inventory.hosts) == ["bastion", "web1", "web2", "jump", "canary1", "db01"]
    assert [g.name for g in inventory.groups["all"].children] == [
        "ungrouped", "web", "db", "other"]
    assert [g.name for g in inventory.groups["other"].children] == ["db"]
    assert inventory.groups["all"].hosts[0].name == "bastion"
    assert [h.name for h in inventory.groups["ungrouped"].hosts] == ["bastion"]


def test_values_keep_yaml_types(tmp_path: Path) -> None:
    inventory = load_yml(tmp_path, FULL)
    assert inventory.get_vars("web1") == {"site": "example", "nested": {"a": [1, 2]}, "weight": 1.5}
    assert inventory.get_vars("jump") == {"site": "example", "nested": {"a": [1, 2]},
                                          "ansible_port": 2200}


def test_host_spans_point_at_the_key(tmp_path: Path) -> None:
    inventory = load_yml(tmp_path, FULL)
    assert inventory.hosts["db01"].span == Span(str(tmp_path / "hosts.yml"), 19, 9)
    origin = inventory.var_origins("web2")["weight"].origin
    assert origin.span == Span(str(tmp_path / "hosts.yml"), 12, 11)


def test_empty_sections_and_empty_file_are_fine(tmp_path: Path) -> None:
    inventory = load_yml(tmp_path, "web:\n  hosts:\n  vars:\nempty:\n")
    assert {"web", "empty"} <= set(inventory.groups)
    assert load_yml(tmp_path, "# nothing yet\n", "empty.yml").hosts == {}


def test_group_priority_in_yaml(tmp_path: Path) -> None:
    inventory = load_yml(tmp_path, "a:\n  hosts: {h: }\n  vars: {ansible_group_priority: 4, x: 1}\n")
    assert inventory.groups["a"].priority == 4
    assert inventory.get_vars("h") == {"x": 1}


def test_json_inventory(tmp_path: Path) -> None:
    inventory = load_yml(tmp_path, '{"web": {"hosts": {"w1": {"port": 80}}}}', "inv.json")
    assert inventory.get_vars("w1") == {"port": 80}


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("web:\n  hots:\n    w1:\n", 2, ["unknown key 'hots'", "did you mean 'hosts'"]),
        ("web:\n  colour: blue\n", 2, ["unknown key 'colour'", "'hosts', 'children' and 'vars'"]),
        ("web: w1\n", 1, ["must be a mapping", "hosts:"]),
        ("web:\n  hosts: [w1, w2]\n", 2, ["'hosts' of group 'web' must be a mapping"]),
        ("web:\n  hosts:\n    w1: 5\n", 3, ["variables of host 'w1' must be a mapping"]),
        ("web:\n  hosts:\n    42:\n", 3, ["host 42 must be a string", "quotes"]),
        ("web:\n  hosts:\n    w[1:x]:\n", 3, ["bad host range", "web[01:20]"]),
        ("web:\n  hosts:\n    w1:\n    w1:\n", 4, ["duplicate key 'w1'", "line 3"]),
        ("web:\n  hosts:\n  w1: [\n", 4, ["YAML syntax error"]),
        ("- web\n- db\n", 1, ["mapping of group names", "all:"]),
        ("web:\n  vars:\n    ansible_port: twenty\n  hosts: {w: }\n", 3, ["ansible_port"]),
        ("web:\n  vars:\n    ansible_group_priority: high\n", 3, ["whole number"]),
        ("a:\n  children:\n    b:\n      children:\n        a:\n", 3, ["creates a loop"]),
        ("plugin: libvirtt\nuri: qemu:///system\n", 1, ["unknown inventory plugin 'libvirtt'"]),
    ],
)
def test_each_error_names_its_line_and_a_hint(tmp_path: Path, text: str, line: int,
                                              words: list[str]) -> None:
    found = problems(tmp_path, text)
    assert len(found) == 1, [render_error(e) for e in found]
    rendered = render_error(found[0])
    assert f"bad.yml:{line}" in rendered, rendered
    assert "= hint: " in rendered
    for word in words:
        assert word in rendered, rendered


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    found = problems(tmp_path, "web:\n  hots: {}\ndb:\n  hosts:\n    'd[2:1]':\nx: 3\n")
    assert [e.span.line for e in found if e.span] == [2, 5, 6]
