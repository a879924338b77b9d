"""unarchive: which `tar --diff` lines mean "extract again", and the planned commands."""

from __future__ import annotations

from typing import Any

import pytest

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import validate
from dockyard.modules.base import ModuleContext
from dockyard.modules.system import render_sections
from dockyard.modules.unarchive import UnarchiveModule, differences

MISSING = "tar: app/x: Warning: Cannot stat: No such file or directory"


def args(**raw: Any) -> Any:
    return validate(UnarchiveModule.Args, {"src": "/tmp/a.tgz", "dest": "/srv", "remote_src": True, **raw},
                    module="unarchive")


@pytest.mark.parametrize(("line", "raw", "root", "counts"), [
    (MISSING, {}, True, True),
    ("app/x: Contents differ", {}, True, True),
    ("app/x: Mod time differs", {}, True, True),
    ("app/x: Uid differs", {}, True, True),
    ("app/x: Uid differs", {"owner": "app"}, True, False),
    ("app/x: Uid differs", {}, False, False),
    ("app/x: Mode differs", {}, True, True),
    ("app/x: Mode differs", {"mode": "0755"}, True, False),
    ("tar: : Warning: Cannot stat: No such file or directory", {}, True, False),
])
def test_differences(line: str, raw: dict[str, Any], root: bool, counts: bool) -> None:
    assert bool(differences(line, args(**raw), root=root)) == counts


def probe(diff: tuple[str, int], magic: str = "1f8b0800", creates: int = 1, **extra: tuple[str, int]) -> CommandResult:
    data = {"dest": ("", 0), "src": ("", 0), "uid": ("0\n", 0), "gnu-tar": ("", 0), "magic": (magic + "\n", 0),
            "diff": diff, "creates": ("", creates), **extra}
    return CommandResult(0, render_sections(data), b"")


def plan(raw: dict[str, Any], out: CommandResult) -> list[str]:
    module = UnarchiveModule()
    task = args(**raw)
    ctx = ModuleContext(host="h")
    current = module.parse(task, out, ctx)
    return [s.command for s in module.steps(current, module.desired(task, ctx), task)]


def test_missing_files_are_extracted_with_the_detected_compression() -> None:
    assert plan({}, probe((MISSING, 1))) == ["cd /srv && tar -x -z -f /tmp/a.tgz"]
    assert plan({}, probe((MISSING, 1), magic="fd377a585a00")) == ["cd /srv && tar -x -J -f /tmp/a.tgz"]
    assert plan({}, probe((MISSING, 1), magic="61707000")) == ["cd /srv && tar -x -f /tmp/a.tgz"]


def test_no_difference_is_ok_and_creates_skips_everything() -> None:
    assert plan({}, probe(("", 0))) == []
    assert plan({"creates": "/srv/app"}, probe((MISSING, 1), creates=0)) == []


def test_options_reach_tar() -> None:
    (command,) = plan({"exclude": ["*.md"], "extra_opts": ["--strip-components=1"], "include": ["app/bin"],
                       "keep_newer": True}, probe((MISSING, 1)))
    assert command == ("cd /srv && tar -x -z --strip-components=1 --keep-newer-files '--exclude=*.md' "
                       "-f /tmp/a.tgz app/bin")


def test_owner_and_mode_are_applied_to_every_member_and_checked_on_their_own() -> None:
    steps = plan({"owner": "app", "mode": "0750"}, probe(("", 0), attrs=("attr app/x\n", 0), list=("app/x\n", 0)))
    assert len(steps) == 1 and 'chown -h app -- "$m"' in steps[0] and "chmod 0750" in steps[0]
    assert plan({"owner": "app"}, probe(("", 0), attrs=("", 0), list=("app/x\n", 0))) == []


@pytest.mark.parametrize(("out", "message"), [
    (probe(("", 0), dest=("", 1)), "must be an existing directory"),
    (probe(("", 0), src=("", 1)), "does not exist on the host"),
    (probe(("", 0), magic="504b0304"), "zip archive"),
    (probe(("tar: This does not look like a tar archive", 2)), "tar cannot read"),
])
def test_clear_errors(out: CommandResult, message: str) -> None:
    with pytest.raises(ModuleError, match=message):
        plan({}, out)


@pytest.mark.parametrize(("raw", "message"), [
    ({"remote_src": False}, "only archives already on the target"),
    ({"mode": "u+rwx"}, "octal mode"),
])
def test_unsupported_arguments(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ModuleError, match=message):
        UnarchiveModule().probe(args(**raw), ModuleContext(host="h"))
