"""Files whose whole content a module computes: read it with the stat, write it once.

``lineinfile``, ``blockinfile``, ``replace``, ``copy`` and ``template`` share one shape::

    probe   one round trip: the file's stat (through symlinks) and its bytes
    steps   new = edit(old) in Python; if new != old: [backup?] + one atomic write
            (temp file beside the target, mode/owner set, then rename), whose Diff is
            old -> new; if only attributes differ: chmod/chown steps

Content is never sent when it would not change the file. A symlinked path is edited
where it points (its real path), like Ansible does.

Backups are named ``PATH.PID.YYYY-MM-DD@HH:MM:SS~`` like Ansible's; the name is chosen
by the shell when the step runs (so planning stays pure) and printed by the step, which
is how ``backup_file`` gets into the result.

The three that edit a file where it is (``lineinfile``, ``blockinfile``, ``replace``)
subclass :class:`FileEditModule`, which probes, parses and writes for them; each only
says how the content changes. The arguments these modules share are declared once here
(:func:`path_arg`, :func:`validate_arg`, ...), so their aliases and docs agree.
"""

from __future__ import annotations

import posixpath
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar

from dockyard.connection.base import CommandResult
from dockyard.connection.shell import atomic_write_command
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Action, Diff, HostModule, ModuleContext, Step, q
from dockyard.modules.paths import (
    PathState,
    attribute_steps,
    normalize_mode,
    parse_path,
    probe_path,
)

__all__ = [
    "MAX_DIFF_SIZE",
    "EditedFileArgs",
    "FileContent",
    "FileEditModule",
    "Write",
    "backup_arg",
    "backup_command",
    "backup_file",
    "change_message",
    "diff_text",
    "group_arg",
    "owner_arg",
    "parse_file",
    "path_arg",
    "probe_file",
    "update_steps",
    "validate_arg",
    "write_command",
    "written_attributes",
]

#: Ansible's default ``max_diff_size``: larger files show a note instead of a diff.
MAX_DIFF_SIZE = 104448
_STAT_MARK = "@dockyard-written "


@dataclass(frozen=True)
class FileContent:
    """A file's state and its bytes; ``content`` is None when there is no regular file."""

    state: PathState
    content: bytes | None = None

    @property
    def target(self) -> str:
        """Where a write goes: the real path of a followed symlink, else the path itself."""
        if self.state.link_target and self.state.kind != "link":
            return self.state.link_target
        return self.state.path


@dataclass(frozen=True)
class Write:
    """How to write a file: attributes, safety checks and the diff's header."""

    path: str
    mode: Any = None
    owner: str | None = None
    group: str | None = None
    backup: bool = False
    validate: str | None = None
    make_parents: bool = False
    directory_mode: Any = None
    header: str = ""


def probe_file(path: str) -> str:
    """Read-only shell text: the stat of ``path`` (through symlinks) followed by its bytes."""
    return probe_path(path, content=True, follow=True)


def parse_file(path: str, output: CommandResult | None) -> FileContent:
    state, rest = parse_path(path, output)
    if state.kind != "file":
        return FileContent(state)
    return FileContent(state, rest.encode("utf-8", errors="surrogateescape"))


def diff_text(data: bytes | None, *, size: int | None = None, limit: int = MAX_DIFF_SIZE) -> str:
    """Bytes as text for a diff; binary or large content becomes a one-line note.

    ``size`` is the file's real size when ``data`` may have been read only in part.
    """
    if data is None:
        return ""
    size = max(len(data), size or 0)
    if size > limit:
        return f"(diff skipped: {size} bytes, larger than {limit})\n"
    if b"\x00" in data:
        return f"(diff skipped: binary content, {size} bytes)\n"
    return data.decode("utf-8", errors="replace")


def backup_command(path: str) -> str:
    """Copy ``path`` to ``PATH.PID.DATE@TIME~`` (name chosen at run time) and print the name."""
    p = q(path)
    return (f'b={p}."$$.$(date +%Y-%m-%d@%H:%M:%S)~" && cp -p -- {p} "$b" '
            "&& printf '%s\\n' \"$b\"")


def backup_file(path: str, steps: Sequence[Step], ran: Sequence[CommandResult]) -> str | None:
    """The backup's name, as printed by the backup step of ``path`` when it ran."""
    command = backup_command(path)
    for step, outcome in zip(steps, ran, strict=False):
        if step.command == command and outcome.rc == 0:
            return outcome.text().strip() or None
    return None


def _check_validate(validate: str) -> str:
    if "%s" not in validate:
        raise ModuleError(f"validate must contain %s: {validate}",
                          hint="e.g. validate: 'visudo -cf %s' (%s is the new file)")
    command = validate.replace("%s", '"$t"')
    return f'if ! {command}; then echo "failed to validate: {validate}" >&2; exit 1; fi'


def write_command(path: str, size: int, write: Write, mode: str | None) -> str:
    """Shell text that atomically replaces ``path`` with stdin (``size`` bytes), then prints its stat.

    Validation (``validate: 'visudo -cf %s'``) runs on the temp file before the rename.
    A missing parent directory is created with ``make_parents`` (and ``directory_mode``),
    otherwise it fails the step with a clear message.
    """
    script = atomic_write_command(path, size=size, mode=None if mode is None else int(mode, 8),
                                  owner=write.owner, group=write.group)
    if write.validate:
        rename = f'mv -f "$t" {q(path)}'
        if rename not in script:  # pragma: no cover - guards a change in atomic_write_command
            raise RuntimeError("atomic_write_command no longer renames as expected")
        script = script.replace(rename, _check_validate(write.validate) + "\n" + rename)
    directory = posixpath.dirname(path) or "."
    d = q(directory)
    if write.make_parents:
        directory_mode = normalize_mode(write.directory_mode, is_dir=True)
        chmod = f" && chmod {directory_mode} -- {d}" if directory_mode else ""
        prefix = f"[ -d {d} ] || {{ mkdir -p -- {d}{chmod}; }} || exit 1"
    else:
        prefix = (f"[ -d {d} ] || {{ echo {q(f'Destination directory {directory} does not exist')}"
                  " >&2; exit 1; }")
    stat = f"stat -c '{_STAT_MARK}%a|%U|%G|%u|%g|%s' -- {q(path)}"
    return f"{prefix}\n{script}\n{stat}"


def written_attributes(ran: Sequence[CommandResult]) -> dict[str, Any]:
    """mode/owner/group/uid/gid/size of a file as the write step printed them (if it ran)."""
    for outcome in ran:
        for line in outcome.text().splitlines():
            if line.startswith(_STAT_MARK):
                mode, owner, group, uid, gid, size = line[len(_STAT_MARK):].split("|")
                return {"mode": mode.rjust(4, "0"), "owner": owner, "group": group,
                        "uid": int(uid), "gid": int(gid), "size": int(size)}
    return {}


def update_steps(current: FileContent, new: bytes, write: Write, summary: str, *,
                 unchanged: bool | None = None) -> list[Step]:
    """Steps that make the file hold ``new`` with the declared attributes; [] when it does.

    ``unchanged`` overrides the content comparison (``copy`` compares checksums and may
    not have read the content). A symlink in the way (not followed) is replaced.
    """
    state = current.state
    if state.kind not in ("file", "absent", "link"):
        raise ModuleError(f"{write.path} is a {state.kind}, not a regular file",
                          hint="point the task at a file")
    mode = normalize_mode(write.mode, state.mode)
    same = current.content == new if unchanged is None else unchanged
    if same and state.kind == "file":
        return attribute_steps(state, current.target, mode=mode, owner=write.owner,
                               group=write.group)
    steps: list[Step] = []
    if write.backup and state.kind == "file":
        steps.append(Step(Action.CREATE, f"back up {write.path}", backup_command(write.path)))
    verb = Action.UPDATE if state.exists else Action.CREATE
    header = write.header or write.path
    before = diff_text(current.content, size=state.size)
    steps.append(Step(verb, summary, write_command(current.target, len(new), write, mode), stdin=new,
                      diff=Diff(before, diff_text(new), header, header)))
    return steps


def change_message(message: str, current: FileContent, new: bytes, write: Write) -> str:
    """Ansible's ``msg``: what the edit did, and whether attributes changed too.

    For a file that does not exist yet only a declared mode counts (its owner will be
    whoever writes it, which Ansible does not report either).
    """
    state = current.state
    if state.exists:
        mode = normalize_mode(write.mode, state.mode)
        attributes = bool(attribute_steps(state, current.target, mode=mode, owner=write.owner,
                                          group=write.group))
    else:
        attributes = write.mode is not None
    text = message if current.content != new else ""
    if attributes:
        text = (text + " and " if text else "") + "ownership, perms or SE linux context changed"
    return text


# -- the arguments of modules that write a file's content ----------------------------------


def path_arg() -> Any:
    """``path`` of a file edited where it is, with Ansible's aliases ``dest``, ``destfile``, ``name``."""
    return arg(required=True, aliases=("dest", "destfile", "name"), doc="the file to modify")


def owner_arg(what: str = "the file") -> Any:
    return arg(None, doc=f"user that should own {what}")


def group_arg(what: str = "the file") -> Any:
    return arg(None, doc=f"group that should own {what}")


def backup_arg(what: str = "the old file") -> Any:
    return arg(False, doc=f"keep a timestamped copy of {what}")


def validate_arg() -> Any:
    return arg(None, doc="command run on the new file before it replaces the old one; %s is its path")


class EditedFileArgs(Protocol):
    """What :class:`FileEditModule` reads of a module's ``Args``."""

    @property
    def path(self) -> str: ...
    @property
    def mode(self) -> Any: ...
    @property
    def owner(self) -> str | None: ...
    @property
    def group(self) -> str | None: ...
    @property
    def backup(self) -> bool: ...
    @property
    def validate(self) -> str | None: ...


E = TypeVar("E", bound=EditedFileArgs)


class FileEditModule(HostModule[E, FileContent]):
    """A module that edits one file where it is: ``lineinfile``, ``blockinfile``, ``replace``.

    Reading is the same for all three (the file's stat and bytes, one round trip; the
    desired state is "a regular file at path"), and so is writing (:meth:`write`). A
    subclass checks its arguments in :meth:`check_args`, computes the new content in
    :meth:`edit_steps` and shapes its result (:meth:`edit_result` has the common fields).
    """
    steps_run_ahead = True

    #: Can the module create the file (``create: true``)? Then missing parent directories
    #: are made, and the diff's header is ``PATH (content)``, as Ansible's is.
    creates_file: ClassVar[bool] = True

    def check_args(self, args: E) -> None:
        """Problems found before the file is read (a bad regular expression); none by default."""

    def probe(self, args: E, ctx: ModuleContext) -> str:
        self.check_args(args)
        return probe_file(args.path)

    def parse(self, args: E, output: CommandResult | None, ctx: ModuleContext) -> FileContent:
        return parse_file(args.path, output)

    def desired(self, args: E, ctx: ModuleContext) -> FileContent:
        return FileContent(PathState(args.path, kind="file"))

    def write(self, args: E) -> Write:
        """How the new content is written: the declared attributes, backup and validation."""
        return Write(args.path, mode=args.mode, owner=args.owner, group=args.group, backup=args.backup,
                     validate=args.validate, make_parents=self.creates_file,
                     header=f"{args.path} (content)" if self.creates_file else "")

    def steps(self, current: FileContent, desired: FileContent, args: E) -> list[Step]:
        if current.state.kind == "directory":
            raise ModuleError(f"Path {args.path} is a directory !")
        return self.edit_steps(current, args)

    @abstractmethod
    def edit_steps(self, current: FileContent, args: E) -> list[Step]:
        """The steps for a path that is not a directory: usually :func:`update_steps` with
        the new content and :meth:`write`; [] when the file stays as it is."""

    def edit_result(self, args: E, current: FileContent, new: bytes, message: str,
                    steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        """``msg`` (see :func:`change_message`) and, when one was made, ``backup_file``."""
        result: dict[str, Any] = {"msg": change_message(message, current, new, self.write(args))}
        if backup := backup_file(args.path, steps, ran):
            result["backup_file"] = backup
        return result
