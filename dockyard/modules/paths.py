"""Reading a path's state with one shell probe, and file attributes (mode, owner) as steps.

Shared by ``file``, ``copy``, ``template``, ``lineinfile`` and friends: every one of them
needs "what is at this path now" and "make mode/owner/group match".

The probe prints one line ``kind|mode|owner|group|uid|gid|size`` (GNU and busybox
``stat -c``), then the link target for symlinks, and optionally the file's sha256 and
its content (last, as it is); ``absent`` when nothing is there. With ``follow`` the
probe describes what a symlink points to, and the second line is the link's resolved
real path (empty for a path that is not a link), so that writes go to the real file.

Several records can follow one another in one probe's output (``copy`` of a directory
tree); :func:`parse_path_record` reads one and returns the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.base import Action, Diff, Step, q

__all__ = [
    "PathState",
    "attribute_steps",
    "normalize_mode",
    "parse_path",
    "parse_path_record",
    "probe_path",
]

_KINDS = {
    "regular file": "file",
    "regular empty file": "file",
    "directory": "directory",
    "symbolic link": "link",
    "fifo": "fifo",
    "socket": "socket",
    "character special file": "char",
    "block special file": "block",
}


@dataclass(frozen=True)
class PathState:
    """What is at a path: ``kind`` is absent, file, directory, link, ..."""

    path: str
    kind: str = "absent"
    mode: str = ""
    owner: str = ""
    group: str = ""
    uid: int = -1
    gid: int = -1
    size: int = 0
    link_target: str = ""
    checksum: str = ""

    @property
    def exists(self) -> bool:
        return self.kind != "absent"


def probe_path(path: str, *, checksum: bool = False, content: bool = False,
               follow: bool = False) -> str:
    """Shell text printing the state of ``path`` (see module docstring); read-only.

    ``content`` prints the bytes of a regular file last (not of a symlink unless ``follow``).
    """
    p = q(path)
    stat_flag = "-L " if follow else ""
    link_line = f"readlink -f -- {p}" if follow else f"readlink -- {p}"
    exists = f"[ -e {p} ]" if follow else f"[ -e {p} ] || [ -L {p} ]"
    is_file = f"[ -f {p} ]" if follow else f"[ -f {p} ] && [ ! -L {p} ]"
    lines = [
        f"if {exists}; then",
        f"  stat {stat_flag}-c '%F|%a|%U|%G|%u|%g|%s' -- {p}",
        f"  if [ -L {p} ]; then {link_line}; else echo; fi",
    ]
    if checksum:
        lines.append(f"  if {is_file}; then sha256sum < {p} | cut -d' ' -f1; else echo; fi")
    if content:
        lines.append(f"  if {is_file}; then cat -- {p}; fi")
    lines += ["else", "  echo absent", "fi"]
    return "\n".join(lines)


def parse_path(path: str, output: CommandResult | None, *, checksum: bool = False) -> tuple[PathState, str]:
    """The PathState from :func:`probe_path` output, and the content that followed (if asked)."""
    if output is None or output.rc != 0:
        message = output.tail() if output is not None else "no output"
        raise ModuleError(f"cannot read the state of {path}: {message}")
    text = output.stdout.decode("utf-8", errors="surrogateescape")
    if text.startswith("absent\n") or text.strip() == "absent":
        return PathState(path), ""
    return parse_path_record(path, text, checksum=checksum)


def parse_path_record(path: str, text: str, *, checksum: bool = False) -> tuple[PathState, str]:
    """One :func:`probe_path` record from the start of ``text``, and the text after it."""
    first, _, rest = text.partition("\n")
    if first == "absent":
        return PathState(path), rest
    link, _, rest = rest.partition("\n")
    digest = ""
    if checksum:
        digest, _, rest = rest.partition("\n")
    fields = first.split("|")
    if len(fields) != 7:
        raise ModuleError(f"unexpected stat output for {path}: {first!r}",
                          hint="the target needs GNU or busybox stat with -c")
    kind, mode, owner, group, uid, gid, size = fields
    state = PathState(
        path=path,
        kind=_KINDS.get(kind, kind),
        mode=mode.rjust(4, "0"),
        owner=owner,
        group=group,
        uid=int(uid),
        gid=int(gid),
        size=int(size),
        link_target=link,
        checksum=digest.strip(),
    )
    return state, rest


_SYMBOLIC = re.compile(r"^([ugoa]*)([-+=])([rwxXst]*|[ugo])$")
_BITS = {"r": 4, "w": 2, "x": 1}
_WHO_SHIFT = {"u": 6, "g": 3, "o": 0}


def normalize_mode(value: str | int | None, current: str = "", *, is_dir: bool = False) -> str | None:
    """An Ansible mode (``'0644'``, ``644`` as YAML int 0o644, ``'u=rw,g=r'``) as 4 octal digits.

    Symbolic modes are applied to ``current`` (the existing mode, or 0 for a new path).
    """
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return f"{value:04o}"
    text = str(value).strip()
    if re.fullmatch(r"0?[0-7]{3,4}", text):
        return f"{int(text, 8):04o}"
    mode = int(current or "0", 8)
    for clause in text.split(","):
        match = _SYMBOLIC.match(clause.strip())
        if match is None:
            raise ModuleError(f"invalid mode {text!r}",
                              hint="use octal like '0644' (quoted) or symbolic like 'u=rw,g=r,o='")
        mode = _apply_symbolic(mode, *match.groups(), is_dir=is_dir)
    return f"{mode:04o}"


def _apply_symbolic(mode: int, who: str, op: str, perms: str, *, is_dir: bool) -> int:
    targets = who.replace("a", "ugo") or "ugo"
    for person in dict.fromkeys(targets):
        shift = _WHO_SHIFT[person]
        bits = 0
        special = 0
        for perm in perms:
            if perm in _BITS:
                bits |= _BITS[perm]
            elif perm == "X" and (is_dir or mode & 0o111):
                bits |= 1
            elif perm == "s" and person in "ug":
                special |= 0o4000 if person == "u" else 0o2000
            elif perm == "t":
                special |= 0o1000
        mask = (7 << shift)
        if op == "=":
            mode = (mode & ~mask) | (bits << shift)
        elif op == "+":
            mode |= (bits << shift) | special
        else:
            mode &= ~((bits << shift) | special)
    return mode


def attribute_steps(
    current: PathState, path: str, *, mode: str | None, owner: str | None, group: str | None,
    follow_links: bool = True,
) -> list[Step]:
    """Steps that make mode/owner/group of an existing (or just created) path match."""
    steps: list[Step] = []
    link_flag = "" if follow_links else "-h "
    if owner is not None and owner not in (current.owner, str(current.uid)):
        steps.append(Step(Action.UPDATE, f"owner of {path}: {current.owner or '-'} -> {owner}",
                          f"chown {link_flag}{q(owner)} -- {q(path)}",
                          diff=Diff(f"owner: {current.owner}\n", f"owner: {owner}\n", path, path)))
    if group is not None and group not in (current.group, str(current.gid)):
        steps.append(Step(Action.UPDATE, f"group of {path}: {current.group or '-'} -> {group}",
                          f"chgrp {link_flag}{q(group)} -- {q(path)}",
                          diff=Diff(f"group: {current.group}\n", f"group: {group}\n", path, path)))
    if mode is not None and mode != current.mode and current.kind != "link":
        steps.append(Step(Action.UPDATE, f"mode of {path}: {current.mode or '-'} -> {mode}",
                          f"chmod {mode} -- {q(path)}",
                          diff=Diff(f"mode: {current.mode}\n", f"mode: {mode}\n", path, path)))
    return steps
