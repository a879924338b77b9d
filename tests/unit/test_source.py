from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.errors import DockyardError
from dockyard.source import (
    MarkedDict,
    MarkedList,
    Span,
    did_you_mean,
    load_yaml,
    render_error,
    span_of,
)


def test_spans_point_at_keys_values_and_items() -> None:
    data = load_yaml("a: 1\nlist:\n  - x\n  - {b: two}\n", "f.yml")
    assert isinstance(data, MarkedDict)
    assert data.key_span("list") == Span("f.yml", 2, 1)
    assert data.value_span("a") == Span("f.yml", 1, 4)
    items = data["list"]
    assert isinstance(items, MarkedList)
    assert items.item_span(1) == Span("f.yml", 4, 5)
    assert span_of(items[0]) == Span("f.yml", 3, 5)
    assert span_of(data["a"]) is None  # ints cannot carry spans; the mapping keeps them


def test_values_keep_yaml_types() -> None:
    data = load_yaml("n: 3\nf: 1.5\nb: yes\nz: ~\ns: '3'\n")
    assert data == {"n": 3, "f": 1.5, "b": True, "z": None, "s": "3"}
    assert isinstance(data["s"], str)


def test_duplicate_key_is_an_error_naming_both_lines() -> None:
    with pytest.raises(DockyardError) as info:
        load_yaml("a: 1\nb: 2\na: 3\n", "dup.yml")
    assert info.value.span == Span("dup.yml", 3, 1)
    assert "duplicate key 'a'" in info.value.message
    assert info.value.hint is not None and "line 1" in info.value.hint


def test_syntax_error_has_position_and_hint() -> None:
    with pytest.raises(DockyardError) as info:
        load_yaml("a: [1, 2\nb: 3\n", "bad.yml")
    assert info.value.span is not None and info.value.span.file == "bad.yml"
    assert info.value.hint


def test_merge_keys_still_work() -> None:
    data = load_yaml("base: &b {x: 1}\nchild:\n  <<: *b\n  y: 2\n")
    assert data["child"] == {"x": 1, "y": 2}


def test_render_error_draws_line_and_caret(tmp_path: Path) -> None:
    path = tmp_path / "site.yml"
    path.write_text("- hosts: all\n  tasks:\n    - file:\n        mdoe: '0644'\n")
    error = DockyardError("unknown argument 'mdoe'", span=Span(str(path), 4, 9), hint="did you mean 'mode'?")
    text = render_error(error)
    lines = text.splitlines()
    assert lines[0] == "error: unknown argument 'mdoe'"
    assert lines[1] == f"  --> {path}:4:9"
    assert lines[3] == " 4 |         mdoe: '0644'"
    assert lines[4] == "   |         ^"
    assert lines[5] == "  = hint: did you mean 'mode'?"


def test_did_you_mean() -> None:
    assert did_you_mean("mdoe", ["mode", "owner", "group"]) == "did you mean 'mode'?"
    assert did_you_mean("zzz", ["mode"]) is None
