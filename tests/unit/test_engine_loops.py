"""A task's loop items and iteration variables, as ansible-core's lookups give them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dockyard.engine.loops import iteration_vars, loop_items, sequence
from dockyard.errors import PlaybookError
from dockyard.playbook.model import LoopControl, Task
from dockyard.playbook.template import Templar
from dockyard.source import MarkedDict, Span


def looping(kind: str, value: Any, search: tuple[Path, ...] = ()) -> Task:
    return Task(action="debug", module="debug", args=MarkedDict(), span=Span("site.yml", 3),
                loop=value, loop_kind=kind, search_paths=search)


@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("loop", [[1, 2], 3], [[1, 2], 3]),
    ("with_list", [[1, 2], 3], [[1, 2], 3]),
    ("with_items", [[1, [2]], 3], [1, [2], 3]),          # one level only
    ("with_items", "{{ 'one' }}", ["one"]),
    ("with_indexed_items", [["a", "b"], "c"], [[0, "a"], [1, "b"], [2, "c"]]),
    ("with_dict", {"x": 1, "y": 2}, [{"key": "x", "value": 1}, {"key": "y", "value": 2}]),
    ("with_sequence", "start=1 end=3", ["1", "2", "3"]),
    ("with_sequence", ["count=2 format=web%02d", "4-8/2"], ["web01", "web02", "4", "6", "8"]),
])
def test_items_of_each_loop_kind(kind: str, value: Any, expected: list[Any]) -> None:
    assert loop_items(looping(kind, value), Templar({})) == expected


@pytest.mark.parametrize(("term", "expected"), [
    ("5", ["1", "2", "3", "4", "5"]),
    ("start=0 end=10 stride=5", ["0", "5", "10"]),
    ("start=5 end=1 stride=-2", ["5", "3", "1"]),
    ("start=10 end=12 format=%x", ["a", "b", "c"]),
    ("count=0", []),
    ("2-4:node-%d", ["node-2", "node-3", "node-4"]),
])
def test_sequence_forms(term: str, expected: list[str]) -> None:
    assert sequence(term) == expected


@pytest.mark.parametrize("term", ["start=5 end=1", "start=1 end=5 stride=-1", "count=2 end=3",
                                  "start=1", "end=3 format=%d-%d", "end=3 size=2", "a-b", "end=0x0c"])
def test_bad_sequences_are_errors(term: str) -> None:
    with pytest.raises(PlaybookError, match="with_sequence"):
        sequence(term)


def test_fileglob_finds_files_next_to_the_playbook(tmp_path: Path) -> None:
    (tmp_path / "files" / "conf").mkdir(parents=True)
    for name in ("a.ini", "b.ini", "c.txt"):
        (tmp_path / "files" / "conf" / name).write_text(name)
    found = loop_items(looping("with_fileglob", ["conf/*.ini"], (tmp_path,)), Templar({}))
    assert sorted(Path(path).name for path in found) == ["a.ini", "b.ini"]


def test_extended_loop_variables() -> None:
    control = LoopControl(loop_var="fruit", index_var="i", extended=True)
    middle = iteration_vars(control, Templar({}), ["a", "b", "c"], 1)
    assert middle["fruit"] == "b" and middle["i"] == 1
    assert middle["ansible_loop_var"] == "fruit" and middle["ansible_index_var"] == "i"
    assert middle["ansible_loop"] == {
        "index": 2, "index0": 1, "first": False, "last": False, "length": 3, "revindex": 2,
        "revindex0": 1, "allitems": ["a", "b", "c"], "previtem": "a", "nextitem": "c",
    }
    last = iteration_vars(LoopControl(extended=True, extended_allitems=False), Templar({}), ["a", "b"], 1)
    assert last["ansible_loop"]["last"] is True
    assert "allitems" not in last["ansible_loop"] and "nextitem" not in last["ansible_loop"]


def test_no_ansible_loop_unless_extended() -> None:
    assert iteration_vars(LoopControl(), Templar({}), ["a"], 0) == {"item": "a", "ansible_loop_var": "item"}
