"""authorized_key: key lines parsed, files merged (pure), and the steps around them."""

from __future__ import annotations

from typing import Any

import pytest

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import validate
from dockyard.modules.authorized_key import (
    AuthorizedKeyModule,
    merge_keys,
    parse_key_line,
    wanted_keys,
)
from dockyard.modules.base import ModuleContext
from dockyard.modules.system import render_sections

A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH8e0ZdrCqzEv3aw0qlyHjrdTT3s6mdPs0ZOt7KcQbHT"
B = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg="


@pytest.mark.parametrize(("line", "options", "comment"), [
    (f"{A} me@laptop", None, "me@laptop"),
    (f"{A}", None, None),
    (f"{A} two words", None, "two words"),
    (f'no-pty,command="echo a b" {A} c', 'no-pty,command="echo a b"', "c"),
    (f'from="10.0.0.1" {B}', 'from="10.0.0.1"', None),
])
def test_parse_key_line(line: str, options: str | None, comment: str | None) -> None:
    key = parse_key_line(line)
    assert key is not None and (key.options, key.comment) == (options, comment)
    assert key.render() == line


@pytest.mark.parametrize("line", ["", "# a comment", "not a key", "ssh-ed25519 !!notbase64"])
def test_not_key_lines(line: str) -> None:
    assert parse_key_line(line) is None


def keys(text: str, **raw: Any) -> list[Any]:
    return wanted_keys(validate(AuthorizedKeyModule.Args, {"user": "u", "key": text, **raw},
                                module="authorized_key"))


CASES = [
    ("add to an empty file", "", keys(f"{A} a"), {}, f"{A} a\n"),
    ("already there", f"{A} a\n", keys(f"{A} a"), {}, f"{A} a\n"),
    ("already there without a final newline", f"{A} a", keys(f"{A} a"), {}, f"{A} a"),
    ("appended after other lines, comments kept", f"# keys\n{B} b\n", keys(f"{A} a"), {},
     f"# keys\n{B} b\n{A} a\n"),
    ("options changed in place", f"{A} a\n{B} b\n", keys(f"{A} a", key_options="no-pty"), {},
     f"no-pty {A} a\n{B} b\n"),
    ("a key without comment keeps the file's comment", f"{A} old\n", keys(A), {}, f"{A} old\n"),
    ("comment argument rewrites it", f"{A} old\n", keys(A, comment="new"), {}, f"{A} new\n"),
    ("duplicates of a managed key are dropped", f"{A} a\n{A} a\n", keys(f"{A} a"), {}, f"{A} a\n"),
    ("absent removes every copy", f"{A} a\n{B} b\n{A} x\n", keys(A), {"present": False}, f"{B} b\n"),
    ("exclusive removes the others", f"{B} b\n# c\n", keys(f"{A} a"), {"exclusive": True}, f"# c\n{A} a\n"),
    ("several keys at once", "", keys(f"{A} a\n\n{B} b\n"), {}, f"{A} a\n{B} b\n"),
]


@pytest.mark.parametrize(("before", "wanted", "flags", "after"),
                         [pytest.param(*case[1:], id=case[0]) for case in CASES])
def test_merge_keys(before: str, wanted: list[Any], flags: dict[str, bool], after: str) -> None:
    assert merge_keys(before, wanted, present=flags.get("present", True),
                      exclusive=flags.get("exclusive", False)) == after


def test_a_url_key_is_refused_with_a_hint() -> None:
    with pytest.raises(ModuleError, match="URL"):
        keys("https://github.com/someone.keys")


def test_a_broken_key_is_refused() -> None:
    with pytest.raises(ModuleError, match="invalid SSH public key"):
        keys("ssh-ed25519")


def probe_output(directory: str = "absent", file: str = "absent", content: str = "") -> CommandResult:
    return CommandResult(0, render_sections({
        "passwd": ("u:x:1001:1001::/home/u:/bin/sh\n", 0), "group": ("ug\n", 0),
        "path": ("/home/u/.ssh/authorized_keys\n", 0), "dir": (directory + "\n", 0),
        "file": (file + "\n", 0), "content": (content, 0 if file != "absent" else 1)}), b"")


def plan(out: CommandResult, **raw: Any) -> list[Any]:
    module = AuthorizedKeyModule()
    args = validate(module.Args, {"user": "u", "key": f"{A} a", **raw}, module="authorized_key")
    ctx = ModuleContext(host="h")
    current = module.parse(args, out, ctx)
    return module.steps(current, module.desired(args, ctx), args)


def test_first_key_creates_the_directory_then_the_file_0600_owned_by_the_user() -> None:
    mkdir, write = plan(probe_output())
    assert mkdir.command == "mkdir -p -m 0700 -- /home/u/.ssh && chown u:ug -- /home/u/.ssh"
    assert "chmod 600" in write.command and "chown u:ug" in write.command and 'mv -f "$t"' in write.command
    assert write.stdin == f"{A} a\n".encode()


def test_a_correct_file_is_ok_and_wrong_modes_are_fixed() -> None:
    good = probe_output("directory|700|u|ug|1001|1001|4096", "regular file|600|u|ug|1001|1001|85", f"{A} a\n")
    assert plan(good) == []
    loose = probe_output("directory|755|u|ug|1001|1001|4096", "regular file|644|u|ug|1001|1001|85", f"{A} a\n")
    assert [s.command for s in plan(loose)] == ["chmod 0700 -- /home/u/.ssh",
                                                "chmod 0600 -- /home/u/.ssh/authorized_keys"]


def test_manage_dir_false_leaves_the_directory_alone() -> None:
    (write,) = plan(probe_output("directory|755|root|root|0|0|4096"), manage_dir=False)
    assert write.summary.startswith("write 1 key line(s)")


def test_a_missing_user_is_a_clear_error() -> None:
    module = AuthorizedKeyModule()
    args = validate(module.Args, {"user": "nobody2", "key": A}, module="authorized_key")
    out = CommandResult(0, render_sections({"passwd": ("", 2), "group": ("", 1), "path": ("/.ssh/x\n", 0),
                                            "dir": ("absent\n", 0), "file": ("absent\n", 0),
                                            "content": ("", 1)}), b"")
    with pytest.raises(ModuleError, match="user nobody2 does not exist"):
        module.parse(args, out, ModuleContext(host="h"))
