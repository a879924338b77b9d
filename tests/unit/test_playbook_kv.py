"""``key=value`` argument text, split exactly as Ansible's ``parse_kv`` splits it."""

from __future__ import annotations

import pytest

from dockyard.playbook.keywords import parse_kv, split_args

CASES = [
    "path=/x state=directory",
    'a=b c="foo bar"',
    "a='x y' b=2",
    'msg="hello {{ name }} !"',
    "ls -l /tmp",
    "echo {{ x }} > /tmp/f creates=/tmp/f",
    "chdir=/tmp ls -l",
    "a=b\\ c d=e",
    "src=a\\=b dest=c",
    'msg={{ x | default("a b") }}',
    'echo "a  b"   c',
    "line1\nline2 a=b",
    "foo=bar=baz",
    "=x a=1",
    "x\\=y",
    "cmd=a\\nb",
    "echo a \\\n b",
    "msg=\"it's\" x=1",
    "{% if x %}a=1{% endif %}",
    "a={# c #}",
    'key="v" "free text"',
    "  a=1   b=2  ",
    "",
    "removes=/x executable=/bin/bash echo hi",
    "warn=no stdin=abc do thing",
    'msg="tab\\there"',
    "msg='\\u00e9'",
]


def as_dict(text: str, free_form: bool) -> dict[str, str]:
    return {key: value for key, value, _ in parse_kv(text, free_form=free_form)}


@pytest.mark.parametrize("free_form", [False, True])
@pytest.mark.parametrize("text", CASES)
def test_same_as_ansible(text: str, free_form: bool) -> None:
    splitter = pytest.importorskip("ansible.parsing.splitter")
    expected = {str(k): str(v) for k, v in splitter.parse_kv(text, check_raw=free_form).items()}
    assert as_dict(text, free_form) == expected
    assert split_args(text) == splitter.split_args(text)


@pytest.mark.parametrize(("text", "free_form", "expected"), [
    ('path="/srv/my app" mode=0644', False, {"path": "/srv/my app", "mode": "0644"}),
    ("echo {{ a }} b=c creates=/x", True, {"_raw_params": "echo {{ a }} b=c", "creates": "/x"}),
    ("echo {{ a }} b=c creates=/x", False, {"_raw_params": "echo {{ a }}", "b": "c", "creates": "/x"}),
    ("a=b\\ c", False, {"a": "b\\", "_raw_params": "c"}),  # Ansible has no escaped spaces
    ("flush_handlers", False, {"_raw_params": "flush_handlers"}),
])
def test_known_results(text: str, free_form: bool, expected: dict[str, str]) -> None:
    assert as_dict(text, free_form) == expected


def test_offsets_point_at_each_key() -> None:
    text = 'path="/a b" state=directory'
    assert [(key, text[offset:offset + len(key)]) for key, _, offset in parse_kv(text)] == [
        ("path", "path"), ("state", "state")]


@pytest.mark.parametrize("text", ['a="unbalanced', "x={{ y", "x={% if a"])
def test_unbalanced_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="unbalanced"):
        parse_kv(text)
