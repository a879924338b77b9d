"""stat: everything about a path, in one read-only round trip; never changes anything.

Arguments (``ansible.builtin.stat``)::

    - stat:
        path: /etc/ssh/sshd_config   # aliases: dest, name
        follow: false                # describe a symlink's target instead of the link
        get_checksum: true
        checksum_algorithm: sha1     # md5 | sha1 | sha224 | sha256 | sha384 | sha512
        get_mime: true               # mimetype/charset, when `file` is on the host
        get_attributes: true         # lsattr flags, when lsattr works there
      register: st
    - debug: msg="{{ st.stat.exists and st.stat.isreg }}"

The result is ``{"changed": false, "stat": {...}}`` with Ansible's keys: ``exists``,
``path``, ``mode``, ``isdir``, ``isreg``, ``islnk``, ``uid``, ``gid``, ``pw_name``,
``gr_name``, ``size``, ``mtime``, ``checksum``, ``lnk_source``, ``lnk_target``,
``readable``/``writeable``/``executable`` (for the user the task runs as), ...
"""

from __future__ import annotations

import stat as st
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import HostModule, ModuleContext, Step, q
from dockyard.modules.registry import register

__all__ = ["StatArgs", "StatModule", "parse_stat"]

ALGORITHMS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
#: ``stat -c`` fields, in the order :func:`parse_stat` reads them.
FORMAT = "%f|%u|%g|%s|%i|%d|%h|%x|%y|%z|%b|%o|%t|%T|%U|%G"
#: lsattr's flag letters and Ansible's names for them.
FILE_ATTRIBUTES = {
    "A": "noatime", "a": "append", "c": "compressed", "C": "nocow", "d": "nodump",
    "D": "dirsync", "e": "extents", "E": "encrypted", "h": "blocksize", "i": "immutable",
    "I": "indexed", "j": "journalled", "N": "inline", "s": "zero", "S": "synchronous",
    "t": "notail", "T": "blockroot", "u": "undelete", "X": "compressedraw", "Z": "compresseddirty",
}
_PERMISSIONS = (
    ("wusr", st.S_IWUSR), ("rusr", st.S_IRUSR), ("xusr", st.S_IXUSR),
    ("wgrp", st.S_IWGRP), ("rgrp", st.S_IRGRP), ("xgrp", st.S_IXGRP),
    ("woth", st.S_IWOTH), ("roth", st.S_IROTH), ("xoth", st.S_IXOTH),
    ("isuid", st.S_ISUID), ("isgid", st.S_ISGID),
)


@dataclass(frozen=True)
class StatArgs:
    path: str = arg(required=True, aliases=("dest", "name"), doc="the path to describe")
    follow: bool = arg(False, doc="describe what a symlink points to")
    get_checksum: bool = arg(True, doc="checksum of a readable regular file")
    get_mime: bool = arg(True, aliases=("mime", "mime_type", "mime-type"),
                         doc="mimetype and charset (needs `file` on the host, else 'unknown')")
    get_attributes: bool = arg(True, aliases=("attr", "attributes"), doc="lsattr attributes")
    checksum_algorithm: str = arg("sha1", choices=ALGORITHMS, aliases=("checksum", "checksum_algo"),
                                  doc="checksum algorithm")


def probe_stat(args: StatArgs) -> str:
    """Read-only shell text: one ``stat`` line then one line per extra, or ``absent``.

    It runs in a subshell, so that its ``exit`` cannot end a batch of probes.
    """
    p = q(args.path)
    exists = f"[ -e {p} ]" if args.follow else f"[ -e {p} ] || [ -L {p} ]"
    checksum = (f"if [ -f {p} ] && [ -r {p} ]; then {args.checksum_algorithm}sum < {p} | cut -d' ' -f1; "
                "else echo; fi") if args.get_checksum else "echo"
    mime = (f"if command -v file >/dev/null 2>&1; then file -b --mime-type --mime-encoding -- {p} "
            "2>/dev/null | head -n 1 || echo; else echo; fi") if args.get_mime else "echo"
    attributes = f"lsattr -vd -- {p} 2>/dev/null || echo" if args.get_attributes else "echo"
    link = "" if args.follow else f"if [ -L {p} ]; then readlink -f -- {p}; readlink -- {p}; else echo; echo; fi"
    return "\n".join([
        "(",
        f"if {exists}; then",
        f"  stat {'-L ' if args.follow else ''}-c '{FORMAT}' -- {p} || exit 1",
        f"  a=; [ -r {p} ] && a=r; [ -w {p} ] && a=${{a}}w; [ -x {p} ] && a=${{a}}x; echo \"a=$a\"",
        f"  {link or 'echo; echo'}",
        f"  {checksum}",
        f"  {mime}",
        f"  {attributes}",
        f"elif LC_ALL=C stat -c %n -- {p} 2>&1 >/dev/null | grep -q 'Permission denied'; then",
        "  echo denied",
        "else",
        "  echo absent",
        "fi",
        ")",
    ])


def _epoch(text: str) -> float:
    """``2024-01-02 03:04:05.123456789 +0000`` (stat's %x/%y/%z) as seconds since the epoch."""
    date, clock, zone = text.split()
    whole, _, fraction = clock.partition(".")
    moment = datetime.strptime(f"{date} {whole} {zone}", "%Y-%m-%d %H:%M:%S %z")
    return moment.timestamp() + float(f"0.{fraction or 0}")


def _makedev(major: int, minor: int) -> int:
    """st_rdev as Linux (glibc) encodes it, like os.makedev on the target."""
    return ((major & 0xFFFFF000) << 32) | ((major & 0xFFF) << 8) | ((minor & 0xFFFFFF00) << 12) | (minor & 0xFF)


def _base(path: str, fields: list[str]) -> dict[str, Any]:
    (raw_mode, uid, gid, size, inode, dev, nlink, atime, mtime, ctime, blocks, block_size,
     major, minor, owner, group) = fields
    mode = int(raw_mode, 16)
    info: dict[str, Any] = {
        "exists": True, "path": path, "mode": f"{st.S_IMODE(mode):04o}",
        "isdir": st.S_ISDIR(mode), "ischr": st.S_ISCHR(mode), "isblk": st.S_ISBLK(mode),
        "isreg": st.S_ISREG(mode), "isfifo": st.S_ISFIFO(mode), "islnk": st.S_ISLNK(mode),
        "issock": st.S_ISSOCK(mode), "uid": int(uid), "gid": int(gid), "size": int(size),
        "inode": int(inode), "dev": int(dev), "nlink": int(nlink),
        "atime": _epoch(atime), "mtime": _epoch(mtime), "ctime": _epoch(ctime),
    }
    info.update({name: bool(mode & bit) for name, bit in _PERMISSIONS})
    info.update(blocks=int(blocks), block_size=int(block_size),
                device_type=_makedev(int(major, 16), int(minor, 16)))
    if owner != "UNKNOWN":
        info["pw_name"] = owner
    if group != "UNKNOWN":
        info["gr_name"] = group
    return info


def parse_stat(args: StatArgs, output: CommandResult | None) -> dict[str, Any]:
    """The ``stat`` dict of Ansible's module from :func:`probe_stat` output."""
    if output is None or output.rc != 0:
        raise ModuleError(f"cannot stat {args.path}: {output.tail() if output else 'no output'}")
    lines = output.stdout.decode("utf-8", errors="surrogateescape").split("\n")
    if lines[0] == "absent":
        return {"exists": False}
    if lines[0] == "denied":
        raise ModuleError(f"cannot stat {args.path}: Permission denied",
                          hint="a directory on the way is not searchable; use become")
    fields = lines[0].split("|")
    if len(fields) != 16:
        raise ModuleError(f"unexpected stat output for {args.path}: {lines[0]!r}",
                          hint="the target needs GNU coreutils stat")
    info = _base(args.path, fields)
    access = lines[1].removeprefix("a=")
    info.update(readable="r" in access, writeable="w" in access, executable="x" in access)
    if info["islnk"]:
        info.update(lnk_source=lines[2], lnk_target=lines[3])
    if args.get_checksum and info["isreg"] and info["readable"]:
        info["checksum"] = lines[4]
    if args.get_mime:
        mimetype, _, charset = lines[5].partition("; charset=")
        info.update(mimetype=mimetype.strip() or "unknown", charset=charset.strip() or "unknown")
    if args.get_attributes:
        info.update(version=None, attributes=[], attr_flags="")
        words = lines[6].split()
        if len(words) >= 3:
            flags = words[1].replace("-", "")
            info.update(version=words[0], attr_flags=flags,
                        attributes=[FILE_ATTRIBUTES[f] for f in flags if f in FILE_ATTRIBUTES])
    return info


@register
class StatModule(HostModule[StatArgs, dict[str, Any]]):
    name = "stat"
    Args = StatArgs

    def probe(self, args: StatArgs, ctx: ModuleContext) -> str:
        return probe_stat(args)

    def parse(self, args: StatArgs, output: CommandResult | None, ctx: ModuleContext) -> dict[str, Any]:
        return parse_stat(args, output)

    def desired(self, args: StatArgs, ctx: ModuleContext) -> dict[str, Any]:
        return {}

    def steps(self, current: dict[str, Any], desired: dict[str, Any], args: StatArgs) -> list[Step]:
        return []

    def result(self, args: StatArgs, current: dict[str, Any], desired: dict[str, Any],
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        return {"stat": current}
