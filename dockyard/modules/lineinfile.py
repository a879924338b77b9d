"""lineinfile: make sure one line is in a file (or is not), like Ansible's.

Arguments (``ansible.builtin.lineinfile``)::

    - lineinfile:
        path: /etc/ssh/sshd_config   # aliases: dest, destfile, name
        regexp: '^#?PermitRootLogin' # alias: regex; the LAST matching line is replaced
        line: PermitRootLogin no     # alias: value
        state: present               # present | absent (absent removes every match)
        insertafter: '^#Port'        # regexp, or EOF (default) ; or insertbefore: regexp | BOF
        firstmatch: false            # insertafter/insertbefore use the first match
        backrefs: false              # line may use \\1; no match -> file left as is
        search_string: null          # a literal instead of regexp
        create: false                # create a missing file (and its directories)
        backup: false
        validate: 'sshd -t -f %s'
        mode: '0644'
        owner: root
        group: root

The file is read with its stat in one round trip; the new content is computed here in
Python (:func:`edit`, a port of ansible-core's algorithm, byte for byte) and written in
one atomic step only when it differs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Step
from dockyard.modules.content import (
    FileContent,
    FileEditModule,
    backup_arg,
    backup_file,
    change_message,
    group_arg,
    owner_arg,
    path_arg,
    update_steps,
    validate_arg,
)
from dockyard.modules.registry import register

__all__ = ["Edit", "LineInFileArgs", "LineInFileModule", "edit"]

NL = b"\n"


@dataclass(frozen=True)
class LineInFileArgs:
    path: str = path_arg()
    state: str = arg("present", choices=("present", "absent"), doc="whether the line should be there")
    regexp: str | None = arg(None, aliases=("regex",), doc="Python regexp searched in every line; "
                             "present: the last match is replaced, absent: every match is removed")
    search_string: str | None = arg(None, doc="a literal string instead of regexp")
    line: str | None = arg(None, aliases=("value",), doc="the line to insert or replace with")
    insertafter: str | None = arg(None, doc="regexp or EOF: insert after the last match (default EOF)")
    insertbefore: str | None = arg(None, doc="regexp or BOF: insert before the last match")
    backrefs: bool = arg(False, doc="expand \\1 and \\g<name> in line; no regexp match leaves the file as is")
    create: bool = arg(False, doc="create the file if it is missing")
    backup: bool = backup_arg()
    firstmatch: bool = arg(False, doc="insertafter/insertbefore use the first matching line")
    validate: str | None = validate_arg()
    mode: Any = arg(None, doc="octal ('0644') or symbolic mode of the file")
    owner: str | None = owner_arg()
    group: str | None = group_arg()


@dataclass(frozen=True)
class Edit:
    """The file after the edit, and what Ansible would say about it."""

    content: bytes
    msg: str = ""
    found: int = 0


def _compile(pattern: str, name: str) -> re.Pattern[bytes]:
    try:
        return re.compile(pattern.encode("utf-8", errors="surrogateescape"))
    except re.error as exc:
        raise ModuleError(f"invalid regular expression in {name} {pattern!r}: {exc}",
                          hint="lineinfile uses Python regular expressions (quote them with single quotes in YAML)") from None


def check_args(args: LineInFileArgs) -> None:
    """Problems Ansible reports before reading the file."""
    if args.state == "present":
        if args.backrefs and args.regexp is None:
            raise ModuleError("regexp is required with backrefs=true")
        if args.line is None:
            raise ModuleError("line is required with state=present", hint="add 'line: ...'")
    elif (args.regexp, args.search_string, args.line) == (None, None, None):
        raise ModuleError("one of line, search_string, or regexp is required with state=absent")
    for name in ("regexp", "insertafter", "insertbefore"):
        value = getattr(args, name)
        if value is not None and value not in ("EOF", "BOF"):
            _compile(value, name)


def edit(lines_in: bytes | None, args: LineInFileArgs) -> Edit:
    """The new content for ``args`` (pure); ``lines_in`` None means the file is missing."""
    lines = (lines_in or b"").splitlines(keepends=True)
    if args.state == "absent":
        return _absent(lines, args)
    insertafter, insertbefore = args.insertafter, args.insertbefore
    if insertbefore is None and insertafter is None:
        insertafter = "EOF"
    return _present(lines, args, insertafter, insertbefore)


def _find(lines: list[bytes], args: LineInFileArgs) -> tuple[int, re.Match[bytes] | bool | None]:
    """Index and match of the regexp's (or search string's) last (or first) matching line."""
    index: int = -1
    match: re.Match[bytes] | bool | None = None
    if args.regexp is not None:
        pattern = _compile(args.regexp, "regexp")
        for number, text in enumerate(lines):
            found = pattern.search(text)
            if found:
                index, match = number, found
                if args.firstmatch:
                    break
    if args.search_string is not None:
        needle = args.search_string.encode("utf-8", errors="surrogateescape")
        for number, text in enumerate(lines):
            if needle in text:
                index, match = number, True
                if args.firstmatch:
                    break
    return index, match


def _present(lines: list[bytes], args: LineInFileArgs, insertafter: str | None,
             insertbefore: str | None) -> Edit:
    line = (args.line or "").encode("utf-8", errors="surrogateescape")
    if insertafter not in (None, "BOF", "EOF"):
        anchor = _compile(str(insertafter), "insertafter")
    elif insertbefore not in (None, "BOF"):
        anchor = _compile(str(insertbefore), "insertbefore")
    else:
        anchor = None
    index, match = _find(lines, args)
    insert_at, exact = -1, False
    if not match:
        for number, text in enumerate(lines):
            if line == text.rstrip(b"\r\n"):
                index, exact = number, True
            elif anchor is not None and anchor.search(text):
                insert_at = number + 1 if insertafter else number
                if args.firstmatch:
                    break
    if index != -1:
        return _replace_or_place(lines, line, args, index, insert_at, match, exact,
                                 insertafter, insertbefore)
    if args.backrefs:
        return Edit(b"".join(lines))
    if "BOF" in (insertbefore, insertafter):
        return Edit(b"".join([line + NL, *lines]), "line added")
    if insertafter == "EOF" or insert_at == -1:
        if lines and lines[-1][-1:] not in (b"\n", b"\r"):
            lines.append(NL)
        return Edit(b"".join([*lines, line + NL]), "line added")
    if insertafter:
        return _insert_unless_there(lines, line, insert_at, after=True)
    lines.insert(insert_at, line + NL)
    return Edit(b"".join(lines), "line added")


def _replace_or_place(lines: list[bytes], line: bytes, args: LineInFileArgs, index: int,
                      insert_at: int, match: re.Match[bytes] | bool | None, exact: bool,
                      insertafter: str | None, insertbefore: str | None) -> Edit:
    """The line (or a regexp match) is in the file: replace it, or insert at the anchor."""
    new_line = match.expand(line) if args.backrefs and isinstance(match, re.Match) else line
    if not new_line.endswith(NL):
        new_line += NL
    if (args.regexp, args.search_string, match) == (None, None, None) and not exact:
        if insertafter and insertafter != "EOF":
            if lines and lines[-1][-1:] not in (b"\n", b"\r"):
                lines[-1] = lines[-1] + NL
            return _insert_unless_there(lines, line, insert_at, after=True)
        if insertbefore and insertbefore != "BOF":
            return _insert_unless_there(lines, line, insert_at, after=False)
        return Edit(b"".join(lines))
    if lines[index] != new_line:
        lines[index] = new_line
        return Edit(b"".join(lines), "line replaced")
    return Edit(b"".join(lines))


def _insert_unless_there(lines: list[bytes], line: bytes, at: int, *, after: bool) -> Edit:
    """Insert ``line`` at ``at`` unless the neighbouring line already is ``line``."""
    if after:
        if len(lines) == at:
            if lines[at - 1].rstrip(b"\r\n") != line:
                lines.append(line + NL)
                return Edit(b"".join(lines), "line added")
        elif lines[at].rstrip(b"\r\n") != line:
            lines.insert(at, line + NL)
            return Edit(b"".join(lines), "line added")
        return Edit(b"".join(lines))
    neighbour = lines[at] if at <= 0 else lines[at - 1]
    if neighbour.rstrip(b"\r\n") != line:
        lines.insert(at, line + NL)
        return Edit(b"".join(lines), "line added")
    return Edit(b"".join(lines))


def _absent(lines: list[bytes], args: LineInFileArgs) -> Edit:
    pattern = _compile(args.regexp, "regexp") if args.regexp is not None else None
    needle = None if args.search_string is None else args.search_string.encode("utf-8", "surrogateescape")
    line = (args.line or "").encode("utf-8", errors="surrogateescape")

    def matches(text: bytes) -> bool:
        if pattern is not None:
            return pattern.search(text) is not None
        if needle is not None:
            return needle in text
        return line == text.rstrip(b"\r\n")

    kept = [text for text in lines if not matches(text)]
    found = len(lines) - len(kept)
    return Edit(b"".join(kept), f"{found} line(s) removed" if found else "", found)


@register
class LineInFileModule(FileEditModule[LineInFileArgs]):
    name = "lineinfile"
    Args = LineInFileArgs
    exclusive = (("insertbefore", "insertafter"), ("regexp", "search_string"),
                 ("backrefs", "search_string"))

    def check_args(self, args: LineInFileArgs) -> None:
        check_args(args)

    def edit_steps(self, current: FileContent, args: LineInFileArgs) -> list[Step]:
        if not current.state.exists:
            if args.state == "absent":
                return []
            if not args.create:
                raise ModuleError(f"Destination {args.path} does not exist !",
                                  hint="set create: true to create it")
        change = edit(current.content, args)
        summary = f"{change.msg or 'update'} in {args.path}"
        return update_steps(current, change.content, self.write(args), summary)

    def result(self, args: LineInFileArgs, current: FileContent, desired: FileContent,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        if not current.state.exists and args.state == "absent":
            return {"msg": "file not present"}
        change = edit(current.content, args)
        msg = change_message(change.msg, current, change.content, self.write(args))
        result: dict[str, Any] = {"msg": msg, "backup": backup_file(args.path, steps, ran) or ""}
        if args.state == "absent":
            result["found"] = change.found
        if "" in (args.regexp, args.search_string):
            result["warnings"] = ["an empty regexp or search_string matches every line of the file"]
        return result
