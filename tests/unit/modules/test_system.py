"""The sectioned probe: real /bin/sh output splits back into each snippet's text and exit code."""

from __future__ import annotations

import pytest

from dockyard.connection.base import CommandResult
from dockyard.connection.local import LocalConnection
from dockyard.errors import ModuleError
from dockyard.modules.system import fact, parse_sections, render_sections, sections_probe


def test_sections_round_trip_through_a_real_shell() -> None:
    probe = sections_probe({
        "two-lines": "echo one; echo two",
        "no-newline": "printf partial; exit 3",
        "stderr-only": "echo hidden >&2; false",
        "blank-lines": "printf '\\n\\nx\\n\\n'",
    })
    found = parse_sections(LocalConnection().run(probe))
    assert found["two-lines"].text == "one\ntwo\n" and found["two-lines"].ok
    assert (found["no-newline"].text, found["no-newline"].rc) == ("partial", 3)
    assert (found["stderr-only"].text, found["stderr-only"].rc) == ("", 1)
    assert found["blank-lines"].text == "\n\nx\n\n"


def test_an_exit_in_one_snippet_does_not_end_the_probe() -> None:
    found = parse_sections(LocalConnection().run(sections_probe({"a": "exit 5", "b": "echo still"})))
    assert found["a"].rc == 5 and found["b"].text == "still\n"


def test_render_sections_is_the_inverse_of_parse() -> None:
    data = {"x": ("a\nb\n", 0), "y": ("", 2), "z": ("no newline", 1)}
    found = parse_sections(CommandResult(0, render_sections(data), b""))
    assert {name: (s.text, s.rc) for name, s in found.items()} == data


def test_output_without_sections_is_an_error_that_shows_it() -> None:
    with pytest.raises(ModuleError, match="permission denied"):
        parse_sections(CommandResult(1, b"", b"sudo: permission denied"), what="x")


def test_fact_accepts_every_spelling() -> None:
    assert fact({"ansible_pkg_mgr": "apt"}, "pkg_mgr") == "apt"
    assert fact({"pkg_mgr": "dnf"}, "pkg_mgr") == "dnf"
    assert fact({"ansible_facts": {"pkg_mgr": "zypper"}}, "pkg_mgr") == "zypper"
    assert fact({}, "pkg_mgr") is None
