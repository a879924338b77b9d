"""INI inventories: sections, host lines, value types, and every error with its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dockyard.errors import DockyardError
from dockyard.inventory import Inventory, load_inventory
from dockyard.inventory.ini import parse_ini_value
from dockyard.source import render_error
from tests.unit.inventory_support import load_problems, load_text


def load_ini(tmp_path: Path, text: str, name: str = "hosts.ini") -> Inventory:
    return load_text(tmp_path, text, name)


def problems(tmp_path: Path, text: str, name: str = "bad.ini") -> list[DockyardError]:
    return load_problems(tmp_path, text, name)


def members(inventory: Inventory, group: str) -> list[str]:
    return [host.name for host in inventory.groups[group].hosts]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("8080", 8080),
        ("-4", -4),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("0x1F", 31),
        ("True", True),
        ("False", False),
        ("None", None),
        ("yes", "yes"),
        ("0777", "0777"),
        ("'42'", "42"),
        ("[1, 'two']", [1, "two"]),
        ("(1, 2)", [1, 2]),
        ("{'k': {'n': [1]}}", {"k": {"n": [1]}}),
        ("hello world", "hello world"),
        ("", ""),
        ("a=b", "a=b"),
        ("3j", "3j"),
        ("...", "..."),
        ("b'xy'", "xy"),
    ],
)
def test_values_are_python_literals_or_strings(text: str, value: Any) -> None:
    parsed = parse_ini_value(text)
    assert parsed == value
    assert type(parsed) is type(value)


def test_sections_hosts_and_children(tmp_path: Path) -> None:
    inventory = load_ini(tmp_path, (
        "lone ansible_host=10.0.0.9\n"
        "[web]\nweb[01:02] http_port=8080\n"
        "[db]\ndb-[a:b]:5433\n"
        "[prod:children]\nweb\ndb\n"
    ))
    assert list(inventory.hosts) == ["lone", "web01", "web02", "db-a", "db-b"]
    assert members(inventory, "ungrouped") == ["lone"]
    assert [g.name for g in inventory.groups["prod"].children] == ["web", "db"]
    assert [g.name for g in inventory.groups["all"].children] == ["ungrouped", "prod"]
    assert inventory.get_vars("web02") == {"http_port": 8080}
    assert inventory.get_vars("db-b") == {"ansible_port": 5433}


def test_host_line_quoting_and_comments(tmp_path: Path) -> None:
    inventory = load_ini(tmp_path, (
        "[web]\n"
        "web01 motd=\"hello there\" code=\"'007'\" list=\"[1, 2]\" # a comment\n"
        "  ; an indented comment line\n"
        "web02 plain=007\n"
    ))
    assert inventory.get_vars("web01") == {"motd": "hello there", "code": "007", "list": [1, 2]}
    assert inventory.get_vars("web02") == {"plain": "007"}


def test_vars_section_takes_the_whole_rest_of_the_line(tmp_path: Path) -> None:
    inventory = load_ini(tmp_path, (
        "[web]\nweb01\n[web:vars]\n"
        "greeting = hello  big world\nwith_hash=x # kept\nexpr=a=b\nnum=10\nempty=\n"
    ))
    assert inventory.get_vars("web01") == {
        "greeting": "hello  big world", "with_hash": "x # kept", "expr": "a=b", "num": 10,
        "empty": "",
    }


def test_host_listed_twice_gets_both_lines_vars_later_wins(tmp_path: Path) -> None:
    inventory = load_ini(tmp_path, "[a]\nh1 x=1 y=1\n[b]\nh1 y=2\n")
    assert inventory.get_vars("h1") == {"x": 1, "y": 2}
    assert members(inventory, "a") == members(inventory, "b") == ["h1"]


def test_port_in_entry_only_sets_port_of_new_hosts(tmp_path: Path) -> None:
    inventory = load_ini(tmp_path, "[a]\nh1\n[b]\nh1:2222\nh2:2222 ansible_port=23\n")
    assert "ansible_port" not in inventory.get_vars("h1")
    assert inventory.get_vars("h2")["ansible_port"] == 23


def test_children_and_vars_may_come_before_the_group(tmp_path: Path) -> None:
    inventory = load_ini(tmp_path, (
        "[prod:children]\nweb\ndb\n[web:vars]\nport=80\n[db]\ndb01\n[web]\nweb01\n"
    ))
    # Ansible links a pending child when its section appears, so db comes first.
    assert [g.name for g in inventory.groups["prod"].children] == ["db", "web"]
    assert inventory.get_vars("web01") == {"port": 80}


def test_ansible_group_priority_is_not_a_variable(tmp_path: Path) -> None:
    inventory = load_ini(tmp_path, "[a]\nh1\n[a:vars]\nansible_group_priority=5\nx=1\n")
    assert inventory.groups["a"].priority == 5
    assert inventory.get_vars("h1") == {"x": 1}


def test_group_defined_in_an_earlier_source_may_be_a_child(tmp_path: Path) -> None:
    first = tmp_path / "a.ini"
    first.write_text("[web]\nweb01\n")
    second = tmp_path / "b.ini"
    second.write_text("[prod:children]\nweb\n")
    inventory = load_inventory([first, second])
    assert [h.name for h in inventory.groups["prod"].all_hosts()] == ["web01"]


def assert_reported(error: DockyardError, line: int, *words: str) -> None:
    text = render_error(error)
    assert error.span is not None and error.span.line == line, text
    assert f"bad.ini:{line}" in text
    assert "= hint: " in text
    for word in words:
        assert word in text, text


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[web servers]\nx\n", 1, ["bad section header", "no spaces"]),
        ("[web:child]\nx\n", 1, ["unknown section type 'child'", "did you mean 'children'"]),
        ("[web:stuff]\nx\n", 1, ["unknown section type", "[group:vars]"]),
        ("[web]\nweb01 port = 80\n", 2, ["expected name=value", "without spaces"]),
        ("[web]\nweb01 motd=\"unclosed\n", 2, ["cannot split host line", "quote"]),
        ("[web]\nweb[1:x]\n", 2, ["bad host range", "web[01:20]"]),
        ("[web]\nweb[5:1]\n", 2, ["empty", "begin:end:step"]),
        ("[web]\nweb01:\n", 2, ["ends with ':'", "web01:2222"]),
        ("---\nall:\n", 1, ["YAML", ".yml"]),
        ("[web]\nw\n[web:vars]\njust_a_word\n", 4, ["expected name=value", "one variable"]),
        ("[web]\nw\n[web:vars]\n=1\n", 4, ["variable name missing"]),
        ("[a]\nh\n[a:children]\nx y\n", 4, ["expected a group name", "one group name"]),
        ("[web]\nw\n[prod:children]\nweb\nwbe\n", 5, ["'wbe', which is never defined",
                                                     "did you mean 'web'"]),
        ("[ghost:vars]\nx=1\n", 1, ["[ghost:vars]", "never defined", "[ghost] section"]),
        ("[a]\nh\n[a:vars]\nansible_group_priority=high\n", 4, ["whole number"]),
        ("[a:children]\nb\n[b:children]\na\n", 4, ["creates a loop"]),
        ("[a:children]\na\n", 2, ["its own child"]),
        ("[a]\nh ansible_port=ssh\n", 2, ["ansible_port must be a port number", "65535"]),
        ("[a]\nh ansible_port=70000\n", 2, ["ansible_port", "65535"]),
        ("[a]\nh\n[a:vars]\nansible_connection=sshh\n", 4, ["ansible_connection 'sshh'",
                                                           "did you mean 'ssh'"]),
        ("[a]\nh ansible_connection=docker\n", 2, ["not supported", "ssh, local"]),
    ],
)
def test_each_error_names_its_line_and_a_hint(tmp_path: Path, text: str, line: int,
                                              words: list[str]) -> None:
    found = problems(tmp_path, text)
    assert len(found) == 1, [render_error(e) for e in found]
    assert_reported(found[0], line, *words)


def test_templated_connection_values_are_not_checked(tmp_path: Path) -> None:
    inventory = load_ini(tmp_path, "[a]\nh ansible_port=\"{{ p }}\" ansible_connection=\"{{ c }}\"\n")
    assert inventory.get_vars("h")["ansible_port"] == "{{ p }}"


def test_port_given_as_digits_string_is_accepted(tmp_path: Path) -> None:
    inventory = load_ini(tmp_path, "[a]\nh ansible_port=\"'2222'\" ansible_connection=local\n")
    assert inventory.get_vars("h")["ansible_port"] == "2222"


def test_every_problem_is_reported_in_line_order(tmp_path: Path) -> None:
    found = problems(tmp_path, (
        "[web]\nweb[1:x]\nweb02 ansible_port=abc\n[bad header]\n[db:childs]\n"
        "[prod:children]\nnope\n[web:vars]\nnovalue\n"
    ))
    lines = [e.span.line for e in found if e.span]
    assert lines == [2, 3, 4, 5, 7, 9]
    assert all(e.hint for e in found)


def test_a_bad_section_does_not_cascade(tmp_path: Path) -> None:
    found = problems(tmp_path, "[web:stuff]\nthis line would be bad\nand=this\n")
    assert len(found) == 1


def test_non_utf8_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.ini"
    path.write_bytes(b"[web]\nh\xff\n")
    with pytest.raises(DockyardError) as info:
        load_inventory([path])
    assert "UTF-8" in render_error(info.value)
