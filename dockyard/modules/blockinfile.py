"""blockinfile: a block of lines between two marker lines, inserted, updated or removed.

Arguments (``ansible.builtin.blockinfile``)::

    - blockinfile:
        path: /etc/hosts                       # aliases: dest, destfile, name
        block: |                               # alias: content; empty removes the block
          10.0.0.1 db
          10.0.0.2 cache
        marker: "# {mark} ANSIBLE MANAGED BLOCK"   # {mark} -> marker_begin / marker_end
        marker_begin: BEGIN
        marker_end: END
        insertafter: EOF                       # regexp or EOF; or insertbefore: regexp | BOF
        state: present                         # present | absent
        create: false
        backup: false
        prepend_newline: false                 # a blank line before the block
        append_newline: false                  # a blank line after it
        validate: null
        mode: '0644'

An existing block (both markers found) is replaced where it is; otherwise the block is
inserted after the last line matching ``insertafter`` (or before the one matching
``insertbefore``), or at the end. :func:`edit` is ansible-core's algorithm, byte for byte.
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
    group_arg,
    owner_arg,
    path_arg,
    update_steps,
    validate_arg,
)
from dockyard.modules.registry import register

__all__ = ["BlockInFileArgs", "BlockInFileModule", "edit"]

NL = b"\n"


@dataclass(frozen=True)
class BlockInFileArgs:
    path: str = path_arg()
    state: str = arg("present", choices=("present", "absent"), doc="whether the block should be there")
    marker: str = arg("# {mark} ANSIBLE MANAGED BLOCK", doc="marker line template; {mark} becomes "
                      "marker_begin or marker_end")
    block: str = arg("", aliases=("content",), doc="the lines between the markers")
    insertafter: str | None = arg(None, doc="regexp or EOF: insert after the last matching line")
    insertbefore: str | None = arg(None, doc="regexp or BOF: insert before the last matching line")
    create: bool = arg(False, doc="create the file if it is missing")
    backup: bool = backup_arg()
    validate: str | None = validate_arg()
    marker_begin: str = arg("BEGIN", doc="replaces {mark} in the first marker")
    marker_end: str = arg("END", doc="replaces {mark} in the last marker")
    append_newline: bool = arg(False, doc="add a blank line after the block")
    prepend_newline: bool = arg(False, doc="add a blank line before the block")
    mode: Any = arg(None, doc="octal ('0644') or symbolic mode of the file")
    owner: str | None = owner_arg()
    group: str | None = group_arg()


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")


def _anchor(args: BlockInFileArgs, insertafter: str | None) -> re.Pattern[bytes] | None:
    if insertafter not in (None, "EOF"):
        pattern, name = str(insertafter), "insertafter"
    elif args.insertbefore not in (None, "BOF"):
        pattern, name = str(args.insertbefore), "insertbefore"
    else:
        return None
    try:
        return re.compile(_bytes(pattern))
    except re.error as exc:
        raise ModuleError(f"invalid regular expression in {name} {pattern!r}: {exc}") from None


def _markers(args: BlockInFileArgs) -> tuple[bytes, bytes]:
    marker = _bytes(args.marker)
    begin = re.sub(rb"{mark}", _bytes(args.marker_begin), marker) + NL
    end = re.sub(rb"{mark}", _bytes(args.marker_end), marker) + NL
    return begin, end


def _insert_position(lines: list[bytes], original: bytes, args: BlockInFileArgs,
                     insertafter: str | None) -> int:
    """Where a block that is not in the file yet goes."""
    anchor = _anchor(args, insertafter)
    if anchor is None:
        return 0 if args.insertbefore is not None else len(lines)
    position: int | None = None
    if anchor.flags & re.MULTILINE:
        found = anchor.search(original)
        if found:
            offset = found.end() if insertafter else found.start()
            position = original.count(NL, 0, offset)
    else:
        for number, line in enumerate(lines):
            if anchor.search(line):
                position = number
    if position is None:
        return len(lines)
    return position + 1 if insertafter is not None else position


def edit(original: bytes | None, args: BlockInFileArgs) -> tuple[bytes, str]:
    """The new content and Ansible's message; ``original`` None means the file is missing."""
    lines = (original or b"").splitlines(keepends=True)
    present = args.state == "present"
    insertafter = args.insertafter
    if args.insertbefore is None and insertafter is None:
        insertafter = "EOF"
    begin, end = _markers(args)
    block = _bytes(args.block)
    if present and block:
        if not block.endswith(NL):
            block += NL
        blocklines = [begin, *block.splitlines(keepends=True), end]
    else:
        blocklines = []
    first = last = None
    for number, line in enumerate(lines):
        if line == begin:
            first = number
        if line == end:
            last = number
    if first is None or last is None:
        at = _insert_position(lines, original or b"", args, insertafter)
    elif first < last:
        lines[first:last + 1] = []
        at = first
    else:
        lines[last:first + 1] = []
        at = last
    if at > 0 and not lines[at - 1].endswith(NL):
        lines[at - 1] += NL
    if args.prepend_newline and present and at != 0 and lines[at - 1] != NL:
        lines[at:at] = [NL]
        at += 1
    lines[at:at] = blocklines
    after = at + len(blocklines)
    if args.append_newline and present and after < len(lines) and lines[after] != NL:
        lines[after:after] = [NL]
    result = b"".join(lines)
    if original == result:
        return result, ""
    if original is None:
        return result, "File created"
    return result, "Block removed" if not blocklines else "Block inserted"


@register
class BlockInFileModule(FileEditModule[BlockInFileArgs]):
    name = "blockinfile"
    Args = BlockInFileArgs
    exclusive = (("insertbefore", "insertafter"),)

    def check_args(self, args: BlockInFileArgs) -> None:
        _anchor(args, args.insertafter)

    def edit_steps(self, current: FileContent, args: BlockInFileArgs) -> list[Step]:
        if not current.state.exists:
            if not args.create:
                raise ModuleError(f"Path {args.path} does not exist !", hint="set create: true to create it")
            if args.state == "absent":
                return []
        content, msg = edit(current.content, args)
        return update_steps(current, content, self.write(args), f"{msg or 'update'}: {args.path}")

    def result(self, args: BlockInFileArgs, current: FileContent, desired: FileContent,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        if not current.state.exists and args.state == "absent":
            return {"msg": f"File {args.path} not present"}
        content, msg = edit(current.content, args)
        return self.edit_result(args, current, content, msg, steps, ran)
