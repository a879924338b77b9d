"""Extra variables from -e: key=value, inline JSON/YAML, @file; errors with spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.errors import PlaybookError
from dockyard.playbook.variables import load_extra_vars
from dockyard.source import Span


@pytest.mark.parametrize(("values", "expected"), [
    (["a=1"], {"a": "1"}),
    (["a=1 b=two"], {"a": "1", "b": "two"}),
    (['msg="hello world" n=3'], {"msg": "hello world", "n": "3"}),
    (["msg='it is' x=y"], {"msg": "it is", "x": "y"}),
    (["url={{ host }}:{{ port }}"], {"url": "{{ host }}:{{ port }}"}),
    (["cmd={{ 'a b' | upper }} z=1"], {"cmd": "{{ 'a b' | upper }}", "z": "1"}),
    (["eq=a=b"], {"eq": "a=b"}),
    (["empty="], {"empty": ""}),
    (['{"n": 1, "l": [1, 2], "b": true}'], {"n": 1, "l": [1, 2], "b": True}),
    (["{n: 1, s: text}"], {"n": 1, "s": "text"}),
    (["a=1", "a=2 b=3", '{"b": 4}'], {"a": "2", "b": 4}),
    (["", "  "], {}),
])
def test_values(values: list[str], expected: dict[str, object]) -> None:
    assert load_extra_vars(values) == expected


def test_files_relative_to_the_base_dir(tmp_path: Path) -> None:
    (tmp_path / "vars.yml").write_text("x: 1\nnested: {a: [1, 2]}\n")
    (tmp_path / "vars.json").write_text('{"y": "two"}')
    (tmp_path / "empty.yml").write_text("")
    result = load_extra_vars(["@vars.yml", f"@{tmp_path / 'vars.json'}", "@empty.yml"], base_dir=tmp_path)
    assert result == {"x": 1, "nested": {"a": [1, 2]}, "y": "two"}
    assert result.get("x") == 1


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError, match=r"extra vars file 'nope.yml' not found") as caught:
        load_extra_vars(["a=1", "@nope.yml"], base_dir=tmp_path)
    assert caught.value.span == Span("<-e #2>", 1, 2)


def test_a_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    (tmp_path / "list.yml").write_text("- a\n- b\n")
    with pytest.raises(PlaybookError, match="must be a mapping") as caught:
        load_extra_vars(["@list.yml"], base_dir=tmp_path)
    assert caught.value.span == Span(str(tmp_path / "list.yml"), 1, 1)


def test_a_yaml_error_in_a_file_keeps_its_span(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text("a: 1\nb: [\n")
    with pytest.raises(PlaybookError, match="YAML syntax error") as caught:
        load_extra_vars(["@bad.yml"], base_dir=tmp_path)
    assert caught.value.span is not None and caught.value.span.file == str(tmp_path / "bad.yml")


@pytest.mark.parametrize(("value", "message", "column"), [
    ("a=1 oops", "extra variable 'oops' is not name=value", 5),
    ("1a=x", "'1a' is not a valid variable name", 1),
    ("a='open", "unbalanced quote", 3),
    ("[1, 2]", "must be a mapping", 1),
    ('{"a": ', "YAML syntax error", None),
])
def test_bad_values_are_errors_with_spans(value: str, message: str, column: int | None) -> None:
    with pytest.raises(PlaybookError, match=message) as caught:
        load_extra_vars(["x=1", value])
    span = caught.value.span
    assert span is not None and span.file == "<-e #2>"
    if column is not None:
        assert span.col == column
