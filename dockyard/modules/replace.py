"""replace: substitute every match of a regular expression in a file.

Arguments (``ansible.builtin.replace``)::

    - replace:
        path: /etc/apt/sources.list   # aliases: dest, destfile, name
        regexp: '^deb http://old'     # Python regexp, MULTILINE (^ and $ match at lines)
        replace: 'deb http://new'     # may use \\1 and \\g<name>; default: '' (delete)
        after: '^# start'             # only between the first match of after ...
        before: '^# end'              # ... and the (last) match of before (DOTALL)
        backup: false
        encoding: utf-8
        validate: null
        mode: '0644'

Idempotent only when ``replace`` no longer matches ``regexp`` once applied (as in Ansible).
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

__all__ = ["ReplaceArgs", "ReplaceModule", "edit"]


@dataclass(frozen=True)
class ReplaceArgs:
    path: str = path_arg()
    regexp: str = arg(required=True, doc="Python regexp (MULTILINE) whose every match is replaced")
    replace: str = arg("", doc="the replacement; may use \\1 and \\g<name>")
    after: str | None = arg(None, doc="regexp: only replace after its first match")
    before: str | None = arg(None, doc="regexp: only replace before its match")
    backup: bool = backup_arg()
    validate: str | None = validate_arg()
    encoding: str = arg("utf-8", doc="the file's character encoding")
    mode: Any = arg(None, doc="octal ('0644') or symbolic mode of the file")
    owner: str | None = owner_arg()
    group: str | None = group_arg()


@dataclass(frozen=True)
class Edit:
    content: bytes
    msg: str = ""
    #: after/before did not match: Ansible stops there, attributes untouched.
    stopped: bool = False


def _compile(pattern: str, flags: int, what: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise ModuleError(f"invalid regular expression in {what} {pattern!r}: {exc}",
                          hint="replace uses Python regular expressions") from None


def _section_pattern(args: ReplaceArgs) -> str:
    if args.after and args.before:
        return f"{args.after}(?P<subsection>.*?){args.before}"
    if args.after:
        return f"{args.after}(?P<subsection>.*)"
    if args.before:
        return f"(?P<subsection>.*){args.before}"
    return ""


def check_args(args: ReplaceArgs) -> None:
    _compile(args.regexp, re.MULTILINE, "regexp")
    if pattern := _section_pattern(args):
        _compile(pattern, re.DOTALL, "after/before")
    try:
        "".encode(args.encoding)
    except LookupError:
        raise ModuleError(f"unknown encoding {args.encoding!r}", hint="e.g. utf-8, latin-1") from None


def edit(original: bytes, args: ReplaceArgs) -> Edit:
    """The new content (pure); unchanged when nothing matches, as in ansible-core."""
    contents = original.decode(args.encoding, errors="surrogateescape")
    pattern = _section_pattern(args)
    if pattern:
        found = _compile(pattern, re.DOTALL, "after/before").search(contents)
        if not found:
            return Edit(original, f"Pattern for before/after params did not match the given file: {pattern}",
                        stopped=True)
        section = found.group("subsection")
        start, end = found.start("subsection"), found.end("subsection")
    else:
        section, start, end = contents, 0, len(contents)
    try:
        replaced, count = _compile(args.regexp, re.MULTILINE, "regexp").subn(args.replace, section)
    except (re.error, IndexError) as exc:
        raise ModuleError(f"Unable to process replace due to error: {exc}",
                          hint="check the group references (\\1, \\g<name>) in replace") from None
    if count == 0 or replaced == section:
        return Edit(original)
    new = contents[:start] + replaced + contents[end:]
    return Edit(new.encode(args.encoding, errors="surrogateescape"), f"{count} replacements made")


@register
class ReplaceModule(FileEditModule[ReplaceArgs]):
    name = "replace"
    Args = ReplaceArgs
    creates_file = False

    def check_args(self, args: ReplaceArgs) -> None:
        check_args(args)

    def edit_steps(self, current: FileContent, args: ReplaceArgs) -> list[Step]:
        if current.content is None:
            raise ModuleError(f"Path {args.path} does not exist !")
        change = edit(current.content, args)
        if change.stopped:
            return []
        return update_steps(current, change.content, self.write(args), f"{change.msg}: {args.path}")

    def result(self, args: ReplaceArgs, current: FileContent, desired: FileContent,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        change = edit(current.content or b"", args)
        if change.stopped:
            return {"msg": change.msg}
        return self.edit_result(args, current, change.content, change.msg, steps, ran)
