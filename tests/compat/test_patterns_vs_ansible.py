"""Inventory.select() against Ansible's host pattern evaluation, pattern by pattern.

Ansible's InventoryManager is asked for every pattern of the table at once (the same
``subset()`` + ``list_hosts()`` the ``ansible --list-hosts`` command runs); a few
patterns are also checked through the real ``ansible`` command, to show the two agree.

Order: Ansible lists a group's hosts breadth first; the first level below a group is
in inventory order, but each deeper level is walked as a Python set of groups. Where
two groups of one level both bring new child groups, Ansible's order is therefore not
defined, and the hosts are compared as sets (``nested/``). ``patterns/`` has no such
level, so there every order is compared exactly (a test asserts that it has none).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.errors import InventoryError
from dockyard.inventory import Inventory, load_inventory
from dockyard.inventory.model import Group
from tests.compat.ansible_oracle import (
    INVENTORIES,
    ansible_patterns,
    list_hosts_command,
    needs_ansible,
)

pytestmark = needs_ansible

PATTERNS = [
    "all", "*", "web", "web01", "web0*", "web0[!24]", "web0[13]", "db-?", "web:db", "web,db",
    "db,web01", "prod:&staging", "prod:!staging", "!staging:web", "&staging:web", "!prod",
    "staging:!web03", "~web0[2-3]", "~db", "~c", "~^.*1$", "web[0]", "web[-1]", "web[1:2]",
    "web[2:]", "web[1-2]", "web*[0]", "prod[3]", "prod[2:4]", "prod[-2]", "backend[1:]",
    "ungrouped", "ungr*", "al*", "st*", "*e*", "b*[1]", "backend:!cache1",
    "web01:web01:web", "nothing", "nothing:web", "web:&nothing", "localhost",
    "localhost:web", "127.0.0.1", " web03 , db-c ,", "web[9]", "~(x", "cache:&prod:!cache2",
    "web01:db-a:&prod:!web01", "*[0]",
]

LIMITS = [("all", "web"), ("prod", "staging:!db-c"), ("all", "web[0]:db[-1]"),
          ("backend", "!cache1"), ("web", "@limit.retry"), ("all", "@limit.retry:cache1")]


def dockyard_select(inventory: Inventory, pattern: str, limit: str | None) -> dict[str, object]:
    """The caller's rule (dockyard.cli.options.select_hosts): pattern, then limit."""
    try:
        hosts = inventory.select(pattern)
        if limit:
            allowed = {host.name for host in inventory.select(limit)}
            hosts = [host for host in hosts if host.name in allowed]
    except InventoryError as error:
        return {"error": error.message}
    return {"hosts": [host.name for host in hosts]}


def ambiguous_groups(inventory: Inventory) -> list[str]:
    """Groups below which Ansible's host order is undefined (see the module docs)."""
    found = []
    for group in inventory.groups.values():
        seen: set[int] = {id(group)} | {id(child) for child in group.children}
        level: list[Group] = list(group.children)
        while level:
            bringers = [g for g in level if any(id(c) not in seen for c in g.children)]
            if len(bringers) > 1:
                found.append(group.name)
                break
            level = [c for g in level for c in g.children if id(c) not in seen]
            seen |= {id(c) for c in level}
    return found


def check(answers: list[dict[str, object]], ours: list[dict[str, object]],
          cases: list[tuple[str, str | None]], exact_order: bool) -> None:
    for (pattern, limit), theirs, mine in zip(cases, answers, ours, strict=True):
        label = f"pattern {pattern!r} limit {limit!r}"
        if "error" in theirs:
            assert "error" in mine, f"{label}: Ansible fails ({theirs['error']}), dockyard gives {mine}"
        elif exact_order:
            assert mine == theirs, label
        else:
            assert "hosts" in mine, label
            assert sorted(mine["hosts"]) == sorted(theirs["hosts"]), label  # type: ignore[call-overload]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_pattern_table_matches_ansible_exactly(home: Path) -> None:
    inventory = load_inventory([INVENTORIES / "patterns/hosts.ini"])
    assert ambiguous_groups(inventory) == []
    cases: list[tuple[str, str | None]] = [(p, None) for p in PATTERNS]
    answers = ansible_patterns(["patterns/hosts.ini"], cases, home)
    check(answers, [dockyard_select(inventory, p, lim) for p, lim in cases], cases, True)
    errors = [pattern for (pattern, _), answer in zip(cases, answers, strict=True) if "error" in answer]
    assert errors == ["web[9]", "~(x"]  # an index past the end, a broken regex


def test_limits_match_ansible(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "limit.retry").write_text("web02\ndb-b\n\ncache*\n")
    source = str(INVENTORIES / "patterns/hosts.ini")
    inventory = load_inventory([source])
    cases: list[tuple[str, str | None]] = list(LIMITS)
    answers = ansible_patterns([source], cases, home, cwd=tmp_path)
    monkeypatch.chdir(tmp_path)
    check(answers, [dockyard_select(inventory, p, lim) for p, lim in cases], cases, True)


def test_nested_inventory_matches_as_sets(home: Path) -> None:
    inventory = load_inventory([INVENTORIES / "nested/hosts.yml"])
    assert "all" in ambiguous_groups(inventory)
    patterns = ["all", "europe", "america:!sf2", "edge:&europe", "*1", "all[0:2]", "~^(par|sf)"]
    cases: list[tuple[str, str | None]] = [(p, None) for p in patterns]
    answers = ansible_patterns(["nested/hosts.yml"], cases, home)
    ours = [dockyard_select(inventory, p, None) for p in patterns]
    sized = patterns.index("all[0:2]")  # picks from an order Ansible leaves undefined
    rest = [i for i in range(len(patterns)) if i != sized]
    check([answers[i] for i in rest], [ours[i] for i in rest], [cases[i] for i in rest], False)
    assert len(ours[sized]["hosts"]) == len(answers[sized]["hosts"]) == 3  # type: ignore[arg-type]
    for pattern in ("europe", "america:!sf2", "edge:&europe"):  # one level deep: order defined
        index = patterns.index(pattern)
        assert ours[index] == answers[index], pattern


@pytest.mark.parametrize("pattern", ["prod:!staging", "~web0[2-3]:cache[1]", "backend[1:]",
                                     "!prod"])
def test_the_real_ansible_command_agrees(pattern: str, home: Path) -> None:
    inventory = load_inventory([INVENTORIES / "patterns/hosts.ini"])
    expected = list_hosts_command(pattern, ["patterns/hosts.ini"], home)
    assert [host.name for host in inventory.select(pattern)] == expected
