"""Each filter, by value: Ansible's behaviour, including the edge cases people rely on."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path
from typing import Any

import pytest

from dockyard.errors import PlaybookError
from dockyard.playbook.lazy import UndefinedVariableError
from dockyard.playbook.template import Templar

VARS: dict[str, Any] = {
    "users": [{"name": "ann", "admin": True, "groups": ["wheel", "dev"]},
              {"name": "bob", "admin": False, "groups": ["dev"]}],
    "ports": {"http": 80, "https": 443},
    "nested": [1, [2, [3, [4]]], None, "x"],
    "text": "Hello World",
    "empty": "",
    "zero": 0,
    "lazy": {"host": "{{ text | lower }}"},
    "path": "/etc/nginx/nginx.conf",
}


def render(source: str, **extra: Any) -> Any:
    return Templar({**VARS, **extra}).template(source)


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ missing | default('d') }}", "d"),
    ("{{ missing | d('d') }}", "d"),
    ("{{ missing | default }}", ""),
    ("{{ empty | default('d') }}", ""),
    ("{{ empty | default('d', true) }}", "d"),
    ("{{ zero | default(5, boolean=true) }}", 5),
    ("{{ zero | default(5) }}", 0),
    ("{{ users[5] | default('none') }}", "none"),
    ("{{ ports.ftp | default(21) }}", 21),
    ("{{ lazy.host | default('x') }}", "hello world"),
])
def test_default(source: str, expected: Any) -> None:
    assert render(source) == expected


def test_default_boolean_must_be_a_bool() -> None:
    with pytest.raises(PlaybookError, match="'boolean' must be true or false"):
        render("{{ missing | default(1, 'yes') }}")


def test_mandatory() -> None:
    assert render("{{ text | mandatory }}") == "Hello World"
    with pytest.raises(PlaybookError, match="mandatory variable 'nope' is not defined"):
        render("{{ nope | mandatory }}")
    with pytest.raises(PlaybookError, match=r"^set nope first$"):
        render("{{ nope | mandatory('set nope first') }}")


@pytest.mark.parametrize(("value", "expected"), [
    ("yes", True), ("On", True), ("TRUE", True), ("1", True), (1, True), (True, True),
    ("no", False), ("off", False), ("False", False), ("0", False), (0, False), (False, False),
    (1.0, True), (None, False), ("maybe", False), (2, False),
])
def test_bool(value: Any, expected: bool) -> None:
    assert render("{{ v | bool }}", v=value) is expected


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ '42' | int }}", 42), ("{{ 'x' | int }}", 0), ("{{ 3.9 | int }}", 3),
    ("{{ 42 | string }}", "42"), ("{{ text | lower }}", "hello world"),
    ("{{ text | upper }}", "HELLO WORLD"), ("{{ ['a', 'b'] | join(',') }}", "a,b"),
    ("{{ [1, 2] | join }}", "12"), ("{{ 'a b  c' | split }}", ["a", "b", "c"]),
    ("{{ 'a,b,c' | split(',') }}", ["a", "b", "c"]), ("{{ 'a,b,c' | split(',', 1) }}", ["a", "b,c"]),
    ("{{ text | replace('World', 'You') }}", "Hello You"), ("{{ '  x ' | trim }}", "x"),
    ("{{ -3 | abs }}", 3), ("{{ [3, 1, 2] | min }}", 1), ("{{ [3, 1, 2] | max }}", 3),
    ("{{ [3, 1, 2] | first }}", 3), ("{{ [3, 1, 2] | last }}", 2), ("{{ [3, 1, 2] | sort }}", [1, 2, 3]),
    ("{{ [3, 1, 2] | sort(reverse=true) }}", [3, 2, 1]), ("{{ text | length }}", 11),
    ("{{ ports | length }}", 2), ("{{ ports | list }}", ["http", "https"]),
    ("{{ 'ab' | list }}", ["a", "b"]),
])
def test_jinja_builtins_still_work(source: str, expected: Any) -> None:
    assert render(source) == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ users | selectattr('admin') | map(attribute='name') | list }}", ["ann"]),
    ("{{ users | rejectattr('admin') | map(attribute='name') | list }}", ["bob"]),
    ("{{ users | selectattr('name', 'equalto', 'bob') | map(attribute='groups') | first }}", ["dev"]),
    ("{{ users | map(attribute='groups') | flatten | unique }}", ["wheel", "dev"]),
    ("{{ [1, 2, 3, 4] | select('even') | list }}", [2, 4]),
    ("{{ [1, 2, 3, 4] | reject('odd') | list }}", [2, 4]),
    ("{{ users | map(attribute='name') | map('upper') | list }}", ["ANN", "BOB"]),
    ("{{ users | selectattr('groups', 'contains', 'wheel') | map(attribute='name') | list }}", ["ann"]),
    ("{{ ports | dict2items | selectattr('value', 'gt', 100) | items2dict }}", {"https": 443}),
    ("{{ ports | dictsort | first }}", ["http", 80]),
])
def test_selecting_and_mapping(source: str, expected: Any) -> None:
    assert render(source) == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ 'ab12cd' | regex_replace('[0-9]+', '-') }}", "ab-cd"),
    (r"{{ 'ab12cd34' | regex_replace('([a-z]+)(\d+)', '\2\1') }}", "12ab34cd"),
    ("{{ 'ABc' | regex_replace('b', 'x', ignorecase=true) }}", "Axc"),
    ("{{ 'aaa' | regex_replace('a', 'b', count=2) }}", "bba"),
    ("{{ 'a\nb' | regex_replace('^', '> ', multiline=true) }}", "> a\n> b"),
    ("{{ 'version 1.22.3' | regex_search('[0-9.]+') }}", "1.22.3"),
    (r"{{ 'version 1.22.3' | regex_search('(\d+)\.(\d+)', '\2', '\1') }}", ["22", "1"]),
    (r"{{ 'key=val' | regex_search('(?P<k>\w+)=(?P<v>\w+)', '\g<v>') }}", ["val"]),
    ("{{ 'abc' | regex_search('x') }}", None),
    ("{{ 'ABC' | regex_search('b', ignorecase=true) }}", "B"),
    (r"{{ 'a1 b2 c3' | regex_findall('[a-z]\d') }}", ["a1", "b2", "c3"]),
    (r"{{ 'a1 b2' | regex_findall('([a-z])(\d)') }}", [["a", "1"], ["b", "2"]]),
    ("{{ 'a.b*c' | regex_escape }}", "a\\.b\\*c"),
    ("{{ 'a.b*c' | regex_escape('posix_basic') }}", "a\\.b\\*c"),
])
def test_regex_filters(source: str, expected: Any) -> None:
    assert render(source) == expected


def test_regex_replace_mandatory_count() -> None:
    assert render("{{ 'aa' | regex_replace('a', 'b', mandatory_count=2) }}") == "bb"
    with pytest.raises(PlaybookError, match="should match 3 times, but matches 2"):
        render("{{ 'aa' | regex_replace('a', 'b', mandatory_count=3) }}")


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ {'b': 1, 'a': [1, 2]} | to_json }}", '{"b": 1, "a": [1, 2]}'),
    ("{{ 'é' | to_json }}", '"\\u00e9"'),
    ("{{ 'é' | to_json(ensure_ascii=false) }}", '"é"'),
    ("{{ [1, 2] | to_nice_json }}", "[\n    1,\n    2\n]"),
    ("{{ {'b': 1, 'a': 2} | to_nice_json(indent=2) }}", '{\n  "a": 2,\n  "b": 1\n}'),
    ("{{ '{\"a\": [1, null]}' | from_json }}", {"a": [1, None]}),
    ("{{ {'b': 1, 'a': [1, 2]} | to_yaml }}", "a: [1, 2]\nb: 1\n"),
    ("{{ {'b': 1, 'a': [1, 2]} | to_nice_yaml }}", "a:\n- 1\n- 2\nb: 1\n"),
    ("{{ {'a': {'b': 1}} | to_nice_yaml(indent=2) }}", "a:\n  b: 1\n"),
    ("{{ 'x' | to_yaml }}", "x\n"),
    ("{{ 'é' | to_yaml }}", "é\n"),
    ("{{ 'a: 1\nb: [x, 2]' | from_yaml }}", {"a": 1, "b": ["x", 2]}),
    ("{{ 'a: 1\n---\nb: 2' | from_yaml_all }}", [{"a": 1}, {"b": 2}]),
    ("{{ lazy | to_json }}", '{"host": "hello world"}'),
    ("{{ lazy | to_yaml }}", "{host: hello world}\n"),
])
def test_json_and_yaml(source: str, expected: Any) -> None:
    assert render(source) == expected


def test_to_json_of_dates_and_bad_json() -> None:
    day = datetime.date(2024, 5, 1)
    assert render("{{ d | to_json }}", d=day) == '"2024-05-01"'
    with pytest.raises(PlaybookError, match="from_json: not valid JSON"):
        render("{{ '{nope' | from_json }}")
    with pytest.raises(PlaybookError, match="from_yaml: not valid YAML"):
        render("{{ 'a: [' | from_yaml }}")


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ 'hello' | b64encode }}", "aGVsbG8="),
    ("{{ 'aGVsbG8=' | b64decode }}", "hello"),
    ("{{ 'é?>' | b64encode(urlsafe=true) }}", "w6k_Pg=="),
    ("{{ 'w6k_Pg==' | b64decode(urlsafe=true) }}", "é?>"),
    ("{{ path | basename }}", "nginx.conf"),
    ("{{ path | dirname }}", "/etc/nginx"),
    ("{{ 'a/b.tar.gz' | splitext }}", ["a/b.tar", ".gz"]),
    ("{{ ['/etc', 'nginx', 'x.conf'] | path_join }}", "/etc/nginx/x.conf"),
    ("{{ '/a/./b/../c' | normpath }}", "/a/c"),
    ("{{ \"it's here\" | quote }}", "'it'\"'\"'s here'"),
    ("{{ 'plain' | quote }}", "plain"),
    ("{{ none | quote }}", "''"),
    ("{{ 'x' | hash('md5') }}", hashlib.md5(b"x").hexdigest()),
    ("{{ 'x' | hash }}", hashlib.sha1(b"x").hexdigest()),
    ("{{ 'x' | hash('sha256') }}", hashlib.sha256(b"x").hexdigest()),
    ("{{ 'x' | sha1 }}", hashlib.sha1(b"x").hexdigest()),
    ("{{ 'x' | md5 }}", hashlib.md5(b"x").hexdigest()),
    ("{{ 'x' | checksum }}", hashlib.sha1(b"x").hexdigest()),
    ("{{ 'web1' | to_uuid }}", "4ebc6093-8026-5090-bb95-a592e5a6aec3"),  # from ansible-core
])
def test_encodings_paths_and_hashes(source: str, expected: Any) -> None:
    assert render(source, none=None) == expected


def test_hash_of_an_unknown_type() -> None:
    with pytest.raises(PlaybookError, match="unsupported hash type 'nope'"):
        render("{{ 'x' | hash('nope') }}")


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ true | ternary('a', 'b') }}", "a"),
    ("{{ 0 | ternary('a', 'b') }}", "b"),
    ("{{ none | ternary('a', 'b', 'n') }}", "n"),
    ("{{ none | ternary('a', 'b') }}", "b"),
    ("{{ 1 | type_debug }}", "int"),
    ("{{ ports | type_debug }}", "dict"),
    ("{{ 100 | log(10) }}", 2.0),
    ("{{ 2 | pow(3) }}", 8.0),
    ("{{ 27 | root(3) }}", 3.0),
    ("{{ 16 | root }}", 4.0),
    ("{{ '%Y' | strftime(0, utc=true) }}", "1970"),
    ("{{ ('2024-05-01 10:00:00' | to_datetime).year }}", 2024),
])
def test_small_filters(source: str, expected: Any) -> None:
    assert render(source, none=None) == expected


def test_fileglob_and_path_expansion(tmp_path: Path) -> None:
    (tmp_path / "a.conf").write_text("")
    (tmp_path / "b.conf").write_text("")
    (tmp_path / "c.txt").write_text("")
    (tmp_path / "d.conf").mkdir()
    found = render("{{ (dir ~ '/*.conf') | fileglob | sort }}", dir=str(tmp_path))
    assert found == [str(tmp_path / "a.conf"), str(tmp_path / "b.conf")]
    assert render("{{ '~/x' | expanduser }}") == str(Path.home() / "x")


def test_an_undefined_argument_of_a_filter_fails() -> None:
    with pytest.raises(UndefinedVariableError, match="'sep' is undefined"):
        render("{{ ['a'] | join(sep) }}")
