"""Filters on lists and mappings: combine, flatten, set operations, dict2items, extract..."""

from __future__ import annotations

from typing import Any

import pytest

from dockyard.errors import PlaybookError
from dockyard.playbook.template import Templar

VARS: dict[str, Any] = {
    "defaults": {"a": 1, "nested": {"x": 1, "y": 2}, "list": [1, 2]},
    "overrides": {"b": 2, "nested": {"y": 3}, "list": [2, 3]},
    "hosts": {"web1": {"ip": "10.0.0.1", "ports": {"ssh": 22}}, "web2": {"ip": "10.0.0.2"}},
    "users": [{"name": "ann", "keys": ["k1", "k2"]}, {"name": "bob", "keys": []},
              {"name": "cy"}],
    "lazy": {"v": "{{ defaults.a + 1 }}"},
}


def render(source: str, **extra: Any) -> Any:
    return Templar({**VARS, **extra}).template(source)


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ defaults | combine(overrides) }}",
     {"a": 1, "b": 2, "nested": {"y": 3}, "list": [2, 3]}),
    ("{{ defaults | combine(overrides, recursive=true) }}",
     {"a": 1, "b": 2, "nested": {"x": 1, "y": 3}, "list": [2, 3]}),
    ("{{ defaults | combine(overrides, list_merge='append') }}",
     {"a": 1, "b": 2, "nested": {"y": 3}, "list": [1, 2, 2, 3]}),
    ("{{ defaults | combine(overrides, list_merge='prepend') }}",
     {"a": 1, "b": 2, "nested": {"y": 3}, "list": [2, 3, 1, 2]}),
    ("{{ defaults | combine(overrides, list_merge='append_rp') }}",
     {"a": 1, "b": 2, "nested": {"y": 3}, "list": [1, 2, 3]}),
    ("{{ defaults | combine(overrides, list_merge='prepend_rp') }}",
     {"a": 1, "b": 2, "nested": {"y": 3}, "list": [2, 3, 1]}),
    ("{{ defaults | combine(overrides, list_merge='keep') }}",
     {"a": 1, "b": 2, "nested": {"y": 3}, "list": [1, 2]}),
    ("{{ [defaults, overrides, {'a': 9}] | combine }}",
     {"a": 9, "b": 2, "nested": {"y": 3}, "list": [2, 3]}),
    ("{{ {'a': 1} | combine({'b': 2}, {'a': 3}) }}", {"a": 3, "b": 2}),
    ("{{ [] | combine }}", {}),
    ("{{ lazy | combine({'w': 1}) }}", {"v": 2, "w": 1}),
])
def test_combine(source: str, expected: Any) -> None:
    assert render(source) == expected


def test_combine_leaves_its_inputs_alone() -> None:
    templar = Templar(VARS)
    templar.template("{{ defaults | combine(overrides, recursive=true) }}")
    assert templar.template("{{ defaults.nested }}") == {"x": 1, "y": 2}


def test_combine_errors() -> None:
    with pytest.raises(PlaybookError, match="unknown list_merge 'nope'"):
        render("{{ defaults | combine(overrides, list_merge='nope') }}")
    with pytest.raises(PlaybookError, match="expected mappings"):
        render("{{ defaults | combine([1]) }}")


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ [1, [2, [3, [4]]], none, 'None', 'x'] | flatten }}", [1, 2, 3, 4, "x"]),
    ("{{ [1, [2, [3, [4]]]] | flatten(levels=1) }}", [1, 2, [3, [4]]]),
    ("{{ [1, [2, [3, [4]]]] | flatten(2) }}", [1, 2, 3, [4]]),
    ("{{ [1, none, [none]] | flatten(skip_nulls=false) }}", [1, None, None]),
    ("{{ ['ab', ['cd']] | flatten }}", ["ab", "cd"]),
])
def test_flatten(source: str, expected: Any) -> None:
    assert render(source) == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ [3, 1, 3, 2, 1] | unique }}", [3, 1, 2]),
    ("{{ ['a', 'A', 'b'] | unique }}", ["a", "b"]),  # Ansible's default ignores case
    ("{{ ['a', 'A', 'b'] | unique(case_sensitive=true) }}", ["a", "A", "b"]),
    ("{{ users | unique(attribute='name') | map(attribute='name') | list }}", ["ann", "bob", "cy"]),
    ("{{ ['c', 'a', 'b'] | union(['b', 'd', 'd']) }}", ["c", "a", "b", "d"]),
    ("{{ ['c', 'a', 'b', 'a'] | intersect(['b', 'a', 'x']) }}", ["a", "b"]),
    ("{{ ['c', 'a', 'b', 'c'] | difference(['b']) }}", ["c", "a"]),
    ("{{ ['c', 'a', 'b'] | symmetric_difference(['b', 'd']) }}", ["c", "a", "d"]),
    ("{{ [{'a': 1}, {'a': 2}] | union([{'a': 1}]) }}", [{"a": 1}, {"a": 2}]),
    ("{{ [[1], [2]] | difference([[2]]) }}", [[1]]),
])
def test_unique_and_set_operations_keep_order(source: str, expected: Any) -> None:
    assert render(source) == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ {'a': 1, 'b': 2} | dict2items }}", [{"key": "a", "value": 1}, {"key": "b", "value": 2}]),
    ("{{ {'a': 1} | dict2items(key_name='k', value_name='v') }}", [{"k": "a", "v": 1}]),
    ("{{ [{'key': 'a', 'value': 1}] | items2dict }}", {"a": 1}),
    ("{{ [{'k': 'a', 'v': 1}] | items2dict(key_name='k', value_name='v') }}", {"a": 1}),
    ("{{ hosts | dict2items | map(attribute='key') | list }}", ["web1", "web2"]),
    ("{{ lazy | dict2items }}", [{"key": "v", "value": 2}]),
])
def test_dict2items_and_items2dict(source: str, expected: Any) -> None:
    assert render(source) == expected


@pytest.mark.parametrize(("source", "message"), [
    ("{{ [1] | dict2items }}", "dict2items requires a mapping"),
    ("{{ 'x' | items2dict }}", "items2dict requires a list"),
    ("{{ [{'key': 1}] | items2dict }}", "keys 'key' and 'value'"),
])
def test_dict2items_errors(source: str, message: str) -> None:
    with pytest.raises(PlaybookError, match=message):
        render(source)


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ ['web1', 'web2'] | map('extract', hosts, 'ip') | list }}", ["10.0.0.1", "10.0.0.2"]),
    ("{{ ['web1'] | map('extract', hosts, ['ports', 'ssh']) | list }}", [22]),
    ("{{ 'web2' | extract(hosts) }}", {"ip": "10.0.0.2"}),
    ("{{ [0, 2] | map('extract', ['a', 'b', 'c']) | list }}", ["a", "c"]),
])
def test_extract(source: str, expected: Any) -> None:
    assert render(source) == expected


def test_subelements() -> None:
    pairs = render("{{ users | subelements('keys', skip_missing=true) }}")
    assert [(user["name"], key) for user, key in pairs] == [("ann", "k1"), ("ann", "k2")]
    with pytest.raises(PlaybookError, match="could not find 'keys'"):
        render("{{ users | subelements('keys') }}")
    nested = render("{{ {'x': {'a': {'b': [1]}}} | subelements('a.b') }}")
    assert nested == [[{"a": {"b": [1]}}, 1]]


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ [1, 2] | zip(['a', 'b']) }}", [[1, "a"], [2, "b"]]),
    ("{{ [1, 2, 3] | zip(['a']) | list }}", [[1, "a"]]),
    ("{{ [1, 2] | zip_longest(['a']) }}", [[1, "a"], [2, None]]),
    ("{{ [1, 2] | zip_longest(['a'], fillvalue='-') }}", [[1, "a"], [2, "-"]]),
    ("{{ dict(['a', 'b'] | zip([1, 2])) }}", {"a": 1, "b": 2}),
    ("{{ [1, 2] | product(['a']) }}", [[1, "a"], [2, "a"]]),
    ("{{ [1, 2, 3] | combinations(2) }}", [[1, 2], [1, 3], [2, 3]]),
    ("{{ [1, 2] | permutations }}", [[1, 2], [2, 1]]),
])
def test_zip_and_combinatorics(source: str, expected: Any) -> None:
    assert render(source) == expected
