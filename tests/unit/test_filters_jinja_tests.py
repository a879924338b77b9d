"""Jinja tests (``x is ...``) with Ansible's behaviour, versions included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dockyard.errors import PlaybookError
from dockyard.playbook.template import Templar
from dockyard.playbook.versions import compare_versions

RESULTS: dict[str, Any] = {
    "ok": {"changed": False, "failed": False, "rc": 0},
    "changed_result": {"changed": True},
    "failed_result": {"failed": True, "msg": "boom"},
    "skipped_result": {"skipped": True, "changed": False},
    "unreachable_result": {"unreachable": True},
    "loop_result": {"results": [{"changed": False}, {"changed": True}]},
    "loop_unchanged": {"results": [{"changed": False}]},
}


def check(expr: str, **extra: Any) -> bool:
    value = Templar({**RESULTS, **extra}).template("{{ " + expr + " }}")
    assert isinstance(value, bool)
    return value


@pytest.mark.parametrize(("expr", "expected"), [
    ("ok is succeeded", True), ("ok is success", True), ("ok is successful", True),
    ("ok is failed", False), ("ok is changed", False), ("ok is skipped", False),
    ("changed_result is changed", True), ("changed_result is change", True),
    ("failed_result is failed", True), ("failed_result is failure", True),
    ("failed_result is succeeded", False),
    ("skipped_result is skipped", True), ("skipped_result is skip", True),
    ("unreachable_result is unreachable", True), ("unreachable_result is reachable", False),
    ("ok is reachable", True),
    ("loop_result is changed", True), ("loop_unchanged is changed", False),
    ("ok is not failed", True),
])
def test_result_tests(expr: str, expected: bool) -> None:
    assert check(expr) is expected


def test_result_tests_need_a_mapping() -> None:
    with pytest.raises(PlaybookError, match="the 'failed' test expects a registered result"):
        check("'x' is failed")


@pytest.mark.parametrize(("expr", "expected"), [
    ("x is defined", False), ("x is undefined", True), ("ok is defined", True),
    ("ok.rc is defined", True), ("ok.nope is defined", False), ("ok.nope.deeper is undefined", True),
    ("none_value is defined", True), ("none_value is none", True),
])
def test_defined(expr: str, expected: bool) -> None:
    assert check(expr, none_value=None) is expected


@pytest.mark.parametrize(("expr", "expected"), [
    ("'foobar' is match('foo')", True), ("'foobar' is match('bar')", False),
    ("'foobar' is search('bar')", True), ("'foobar' is search('baz')", False),
    ("'FOO' is match('foo', ignorecase=true)", True),
    ("'a\nfoo' is match('^foo', multiline=true)", False),
    ("'a\nfoo' is search('^foo', multiline=true)", True),
    ("'foobar' is regex('bar')", True), ("'foobar' is regex('bar', match_type='match')", False),
    ("12 is match('1')", True),
])
def test_regex_tests(expr: str, expected: bool) -> None:
    assert check(expr) is expected


@pytest.mark.parametrize(("expr", "expected"), [
    ("'1.10' is version('1.9', '>')", True),
    ("'1.10' is version('1.9', 'gt')", True),
    ("'1.2.3' is version('1.2.3')", True),
    ("'1.2.3' is version('1.2.3', '==')", True),
    ("'1.2.3' is version('1.2.4', '<')", True),
    ("'1.2.3' is version('1.2.4', 'lt')", True),
    ("'1.2' is version('1.2.0', '!=')", True),
    ("'1.2' is version('1.2.0', '<>')", True),
    ("'2.0' is version('2.0', '>=')", True),
    ("'2.0' is version('2.0', 'le')", True),
    ("'22.04' is version('20.04', 'ge')", True),
    ("'1.0a1' is version('1.0', '<', strict=true)", True),
    ("'1.0' is version('1.0.0', '==', strict=true)", True),
    ("'1.0.0-rc.1' is version('1.0.0', '<', version_type='semver')", True),
    ("'1.0.0-alpha.2' is version('1.0.0-alpha.10', '<', version_type='semver')", True),
    ("'1.0.0-alpha' is version('1.0.0-alpha.1', '<', version_type='semantic')", True),
    ("'1.0.0+build' is version('1.0.0', '==', version_type='semver')", True),
    ("'1.0.0-beta' is version('1.0.0-alpha.beta', '>', version_type='semver')", True),
    ("'1.2.3' is version_compare('1.2', '>')", True),
    ("5 is version(4, '>')", True),
])
def test_version(expr: str, expected: bool) -> None:
    assert check(expr) is expected


@pytest.mark.parametrize(("expr", "message"), [
    ("'1.0' is version('1.0', 'bigger')", "unknown operator 'bigger'"),
    ("'1.0' is version('1.0', version_type='odd')", "unknown version type 'odd'"),
    ("'1.0.x' is version('1.0', strict=true)", "invalid version number '1.0.x'"),
    ("'1.a' is version('1.1', '<')", "a number against a word"),
    ("'' is version('1.0')", "empty"),
    ("'1' is version('1', strict=true, version_type='loose')", "either 'strict' or 'version_type'"),
    ("'1.0' is version('1.0.0', version_type='semver')", "invalid semantic version '1.0'"),
])
def test_version_errors(expr: str, message: str) -> None:
    with pytest.raises(PlaybookError, match=message):
        check(expr)


def test_compare_versions_directly() -> None:
    assert compare_versions("1.2.10", "1.2.9", ">")
    assert compare_versions("3.10a", "3.10", ">")  # loose: a word after a number sorts later
    assert not compare_versions("0.4", "0.4.0", "==")
    assert compare_versions("0.4", "0.4.0", "==", kind="strict")


@pytest.mark.parametrize(("expr", "expected"), [
    ("'x' is truthy", True), ("'' is truthy", False), ("'no' is truthy", True),
    ("'no' is truthy(convert_bool=true)", False), ("'yes' is falsy(convert_bool=true)", False),
    ("'off' is falsy(convert_bool=true)", True), ("0 is falsy", True), ("[] is falsy", True),
    ("'maybe' is truthy(convert_bool=true)", True),
    ("[1, 2] is contains(2)", True), ("[1, 2] is contains(3)", False),
    ("[1] is subset([1, 2])", True), ("[1, 3] is subset([1, 2])", False),
    ("[1, 2] is superset([2])", True), ("[1, 2] is issuperset([3])", False),
    ("[1] is issubset([1])", True),
    ("[true, false] is any", True), ("[true, false] is all", False),
    ("nan_value is nan", True), ("1.0 is nan", False), ("'x' is nan", False),
    ("'a' is string", True), ("1 is number", True), ("{} is mapping", True),
    ("[] is sequence", True), ("true is boolean", True), ("1 is boolean", False),
])
def test_value_tests(expr: str, expected: bool) -> None:
    assert check(expr, nan_value=float("nan")) is expected


def test_contains_in_selectattr() -> None:
    users = [{"name": "a", "groups": ["wheel"]}, {"name": "b", "groups": []}]
    names = Templar({"users": users}).template(
        "{{ users | selectattr('groups', 'contains', 'wheel') | map(attribute='name') | list }}")
    assert names == ["a"]


def test_path_tests_look_at_the_controller(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    (tmp_path / "d").mkdir()
    (tmp_path / "l").symlink_to(tmp_path / "f")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    paths = {name: str(tmp_path / name) for name in ("f", "d", "l", "dangling", "none")}
    expected = {
        "file": {"f", "l"}, "directory": {"d"}, "exists": {"f", "d", "l"}, "link": {"l", "dangling"},
        "link_exists": {"f", "d", "l", "dangling"}, "is_file": {"f", "l"}, "is_dir": {"d"},
    }
    templar = Templar(paths)
    for test, names in expected.items():
        found = {name for name in paths if templar.template("{{ " + name + " is " + test + " }}")}
        assert found == names, test
    assert templar.template("{{ f is abs }}") is True
    assert templar.template("{{ 'rel/x' is abs }}") is False
    assert templar.template("{{ f is same_file(l) }}") is True
    assert templar.template("{{ '/' is mount }}") is True
