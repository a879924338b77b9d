"""content.py: bytes survive the probe round trip, diffs of odd content, backup names."""

from __future__ import annotations

from dockyard.connection.base import CommandResult
from dockyard.modules.base import Action, Step
from dockyard.modules.content import (
    MAX_DIFF_SIZE,
    FileContent,
    Write,
    backup_command,
    backup_file,
    diff_text,
    parse_file,
    update_steps,
)
from dockyard.modules.paths import PathState


def test_non_utf8_content_is_kept_byte_for_byte() -> None:
    raw = b"caf\xe9\r\n\xff\xfe\x00end"
    output = CommandResult(0, b"regular file|600|root|root|0|0|13\n\n" + raw, b"")
    current = parse_file("/f", output)
    assert current.content == raw and current.state.mode == "0600"
    steps = update_steps(current, raw + b"\n", Write("/f"), "append")
    assert [step.stdin for step in steps] == [raw + b"\n"]


def test_diff_text_notes_binary_and_large_content() -> None:
    assert diff_text(None) == ""
    assert diff_text(b"a\xffb") == "a\ufffdb"
    assert diff_text(b"\x00\x01") == "(diff skipped: binary content, 2 bytes)\n"
    assert diff_text(b"x" * 10, size=MAX_DIFF_SIZE + 1).startswith("(diff skipped: 104449 bytes")


def test_backup_name_comes_from_the_step_that_ran() -> None:
    steps = [Step(Action.CREATE, "back up /etc/f", backup_command("/etc/f")), Step(Action.UPDATE, "w", "true")]
    ran = [CommandResult(0, b"/etc/f.42.2024-01-01@00:00:00~\n", b""), CommandResult(0, b"", b"")]
    assert backup_file("/etc/f", steps, ran) == "/etc/f.42.2024-01-01@00:00:00~"
    assert backup_file("/etc/f", steps, []) is None  # check mode: nothing ran


def test_unchanged_content_with_other_owner_is_a_chown_only() -> None:
    state = PathState("/f", kind="file", mode="0644", owner="root", group="root", size=1)
    steps = update_steps(FileContent(state, b"a"), b"a", Write("/f", owner="app"), "x")
    assert [step.command for step in steps] == ["chown app -- /f"]
