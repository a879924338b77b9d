"""The section document format of the facts script (dockyard/facts/base.py)."""

from __future__ import annotations

import pytest

from dockyard.errors import FactError
from dockyard.facts.base import (
    MARKER_PREFIX,
    facts_command,
    facts_script,
    new_marker,
    parse_document,
    split_grep,
)

M = f"{MARKER_PREFIX}-0123456789abcdef"


def _doc(*sections: tuple[str, str], preamble: str = "") -> str:
    body = "".join(f"\n{M} {name}\n{text}" for name, text in sections)
    return f"{preamble}{M} begin 1\n{body}\n{M} end\n"


def test_sections_keep_their_exact_text() -> None:
    doc = parse_document(_doc(("a", "one\ntwo\n"), ("b", "no newline"), ("c", "")))
    assert doc.text("a") == "one\ntwo\n"
    assert doc.text("b") == "no newline"
    assert doc.text("c") == ""
    assert doc.text("missing") is None
    assert list(doc.sections) == ["a", "b", "c", "end"]


def test_banner_before_the_first_marker_is_ignored() -> None:
    doc = parse_document(_doc(("a", "x\n"), preamble="Welcome to host!\nLast login: ...\n"))
    assert doc.text("a") == "x\n"


def test_content_mentioning_another_marker_does_not_split() -> None:
    forged = f"{MARKER_PREFIX}-ffffffffffffffff end\n{MARKER_PREFIX} end\n"
    doc = parse_document(_doc(("a", forged), ("b", "y\n")))
    assert doc.text("a") == forged
    assert doc.text("b") == "y\n"


def test_rc_and_output() -> None:
    doc = parse_document(
        _doc(("ok", "out\n"), ("rc:ok", "0\n"), ("bad", "err\n"), ("rc:bad", "127\n"))
    )
    assert doc.rc("ok") == 0 and doc.output("ok") == "out\n"
    assert doc.rc("bad") == 127 and doc.output("bad") is None
    assert doc.rc("never") is None


def test_files_section_is_reassembled_per_file() -> None:
    grep = (
        "/etc/os-release:ID=debian\n/etc/os-release:\n/etc/os-release:X=1\n/proc/cpuinfo:a\t: b\n"
    )
    doc = parse_document(_doc(("files", grep)))
    assert doc.raw_file("/etc/os-release") == "ID=debian\n\nX=1\n"
    assert doc.file("/proc/cpuinfo") == "a\t: b"
    assert doc.file_lines("/etc/os-release") == ["ID=debian", "", "X=1"]
    assert doc.file("/etc/missing") is None


def test_split_grep_ignores_lines_that_are_not_path_prefixed() -> None:
    assert split_grep("grep: warning\n/a:1\n/b:2:3\n") == {"/a": "1\n", "/b": "2:3\n"}


def test_no_marker_is_a_fact_error_naming_the_host() -> None:
    with pytest.raises(FactError) as info:
        parse_document("sh: 1: syntax error\n", host="web1")
    assert info.value.host == "web1"
    assert "no section markers" in info.value.message
    assert "syntax error" in (info.value.hint or "")


def test_truncated_document_is_rejected() -> None:
    text = _doc(("a", "x\n")).replace(f"\n{M} end\n", "")
    with pytest.raises(FactError, match="cut short") as info:
        parse_document(text, host="web1")
    assert "'a'" in (info.value.hint or "")


def test_command_starts_with_a_fresh_marker_then_the_script_in_braces() -> None:
    first, second = new_marker(), new_marker()
    assert first != second and first.startswith(MARKER_PREFIX + "-")
    assert facts_command(first) == f"M={first}\n{{\n{facts_script()}\n}}\n"
    assert facts_command(first, "/usr/bin/python3").startswith(
        f"M={first}\nPY=/usr/bin/python3\n{{"
    )
    assert "PY=" not in facts_command(first, "auto_silent")
    assert facts_script().startswith("#!/bin/sh\n")


def test_an_interpreter_that_is_not_a_plain_path_is_refused() -> None:
    with pytest.raises(FactError, match="not a plain path"):
        facts_command(None, "/usr/bin/python3; rm -rf /")
