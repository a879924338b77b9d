"""unarchive: unpack a tar archive that is already on the target (``ansible.builtin.unarchive``).

Arguments::

    - unarchive:
        src: /tmp/app-1.2.tar.gz     # on the target: remote_src must be true
        remote_src: true
        dest: /opt/app               # must exist and be a directory
        creates: /opt/app/bin/app    # skip everything when this path exists
        exclude: ["*.md"]
        include: []                  # only these members
        extra_opts: ["--strip-components=1"]
        keep_newer: false
        list_files: false            # return the archive's members as `files`
        owner: app                   # applied to every extracted member
        group: app
        mode: "u+rwX,g+rX"

Idempotent like Ansible: the probe runs GNU ``tar --diff`` against ``dest`` (read-only)
and extracts only when tar reports a missing file or a difference in content, size,
modification time, symlink target, owner, group or mode (owner/group/mode differences
are ignored when the task sets them; then they are compared on their own). Gzip,
bzip2, xz, zstd and plain tar archives are recognized by their first bytes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Action, Diff, HostModule, ModuleContext, Step, q
from dockyard.modules.paths import normalize_mode
from dockyard.modules.registry import register
from dockyard.modules.system import Section, parse_sections, sections_probe

__all__ = ["UnarchiveArgs", "UnarchiveModule", "UnarchiveState", "differences"]

COMPRESSION = {"1f8b": "-z", "425a68": "-j", "fd377a585a00": "-J", "28b52ffd": "--zstd"}
ALWAYS_DIFFER = (r": Mod time differs$", r": Warning: Cannot stat: No such file or directory$",
                 r": Invalid owner", r": Invalid group", r": Symlink differs$",
                 r": Contents differ$", r": Size differs$")
_EMPTY_NAME = re.compile(r": : Warning: Cannot stat: No such file or directory$")


@dataclass(frozen=True)
class UnarchiveArgs:
    src: str = arg(required=True, doc="the archive (on the target, with remote_src: true)")
    dest: str = arg(required=True, doc="existing directory to unpack into")
    remote_src: bool = arg(False, doc="src is on the target (only true is supported)")
    creates: str | None = arg(None, doc="do nothing when this path exists")
    list_files: bool = arg(False, doc="return the members as `files`")
    keep_newer: bool = arg(False, doc="do not replace files newer than the archive's")
    exclude: list[str] = arg([], doc="members (patterns) to leave out")
    include: list[str] = arg([], doc="only these members")
    extra_opts: list[str] = arg([], doc="extra tar options, e.g. --strip-components=1")
    owner: str | None = arg(None, doc="owner of every extracted member")
    group: str | None = arg(None, doc="group of every extracted member")
    mode: Any = arg(None, doc="mode of every extracted member (octal or symbolic)")
    copy: bool = arg(True, doc="deprecated alias of the opposite of remote_src")
    validate_certs: bool = arg(True, doc="accepted for compatibility")
    decrypt: bool = arg(True, doc="accepted for compatibility")


@dataclass(frozen=True)
class UnarchiveState:
    """``created``: the creates path exists; ``differs``: tar --diff lines that matter."""

    created: bool = False
    differs: tuple[str, ...] = ()
    attributes_differ: bool = False
    files: tuple[str, ...] = ()
    compression: str = ""


def _tar_options(args: UnarchiveArgs, compression: str) -> str:
    words = [compression] if compression else []
    words += [q(opt) for opt in args.extra_opts]
    if args.keep_newer:
        words.append("--keep-newer-files")
    words += [q(f"--exclude={pattern.rstrip('/')}") for pattern in args.exclude]
    return " ".join(words)


def _members(args: UnarchiveArgs) -> str:
    return "".join(f" {q(member)}" for member in args.include)


def _mode(args: UnarchiveArgs) -> str | None:
    """The octal mode for every member; symbolic modes would differ per member."""
    if args.mode is None:
        return None
    if not re.fullmatch(r"0?[0-7]{3,4}", str(args.mode).strip()) and not isinstance(args.mode, int):
        raise ModuleError(f"unarchive needs an octal mode, got {args.mode!r}", hint="write it as '0755'")
    return normalize_mode(args.mode)


def _attribute_check(args: UnarchiveArgs, tar: str) -> str | None:
    """Shell printing ``attr NAME`` for every listed member whose owner/group/mode differ."""
    tests = []
    if args.owner:
        tests.append(f"[ \"$(stat -c %U \"$m\")\" = {q(args.owner)} ] || [ \"$(stat -c %u \"$m\")\" = {q(args.owner)} ]")
    if args.group:
        tests.append(f"[ \"$(stat -c %G \"$m\")\" = {q(args.group)} ] || [ \"$(stat -c %g \"$m\")\" = {q(args.group)} ]")
    mode = _mode(args)
    if mode:
        tests.append(f"{{ [ -L \"$m\" ] || [ \"$(stat -c %a \"$m\")\" = {int(mode, 8):o} ]; }}")
    if not tests:
        return None
    check = " && ".join(f"{{ {test}; }}" for test in tests)
    return (f"cd {q(args.dest)} && {tar} | while IFS= read -r m; do "
            f"[ -e \"$m\" ] || [ -L \"$m\" ] || continue; {check} || echo \"attr $m\"; done")


def _probe_snippets(args: UnarchiveArgs) -> dict[str, str]:
    src, dest = q(args.src), q(args.dest)
    magic = f"head -c 6 -- {src} | od -An -tx1 | tr -d ' \\n'"
    detect = (f"m=$({magic}); case $m in 1f8b*) c=-z;; 425a68*) c=-j;; fd377a585a00*) c=-J;; "
              "28b52ffd*) c=--zstd;; *) c=;; esac")
    options = _tar_options(args, "$c")
    snippets = {
        "dest": f"[ -d {dest} ]",
        "src": f"[ -f {src} ]",
        "uid": "id -u",
        "gnu-tar": "tar --version | head -1 | grep -q GNU",
        "magic": magic,
        "diff": f"{detect}; cd {dest} && LC_ALL=C tar --diff {options} -f {src}{_members(args)} 2>&1",
    }
    if args.creates:
        snippets["creates"] = f"[ -e {q(args.creates)} ] || [ -L {q(args.creates)} ]"
    list_command = f"{detect}; LC_ALL=C tar -t {options} -f {src}{_members(args)}"
    if args.list_files or args.owner or args.group or args.mode is not None:
        snippets["list"] = list_command
    attrs = _attribute_check(args, f"{{ {list_command}; }}")
    if attrs:
        snippets["attrs"] = attrs
    return snippets


def differences(output: str, args: UnarchiveArgs, *, root: bool = True) -> tuple[str, ...]:
    """The ``tar --diff`` lines that mean "extract again" (Ansible's rules)."""
    wanted = list(ALWAYS_DIFFER)
    if root and not args.owner:
        wanted.append(r": Uid differs$")
    if root and not args.group:
        wanted.append(r": Gid differs$")
    if args.mode is None:
        wanted.append(r": Mode differs$")
    patterns = [re.compile(p) for p in wanted]
    return tuple(line for line in output.splitlines()
                 if not _EMPTY_NAME.search(line) and any(p.search(line) for p in patterns))


def parse_state(args: UnarchiveArgs, sections: dict[str, Section]) -> UnarchiveState:
    """The UnarchiveState from the probe's sections; raises for what cannot work at all."""
    if not sections["dest"].ok:
        raise ModuleError(f"dest '{args.dest}' must be an existing directory",
                          hint="create it first (file: state=directory)")
    if "creates" in sections and sections["creates"].ok:
        return UnarchiveState(created=True)
    if not sections["src"].ok:
        raise ModuleError(f"src '{args.src}' does not exist on the host",
                          hint="with remote_src: true the archive must already be on the target")
    magic = sections["magic"].text.strip()
    if magic.startswith("504b"):
        raise ModuleError(f"{args.src} is a zip archive, which dockyard's unarchive does not handle",
                          hint="use a tar archive (tar.gz, tar.xz, ...), or run unzip with command")
    if not sections["gnu-tar"].ok:
        raise ModuleError("unarchive needs GNU tar on the host", hint="install the tar package")
    diff = sections["diff"]
    root = sections["uid"].text.strip() == "0"
    differs = differences(diff.text, args, root=root)
    if diff.rc not in (0, 1) and not differs:
        raise ModuleError(f"tar cannot read {args.src}: {diff.text.strip()[-300:]}")
    files = tuple(sections["list"].lines()) if "list" in sections else ()
    attrs = "attrs" in sections and any(line.startswith("attr ") for line in sections["attrs"].lines())
    compression = next((flag for prefix, flag in COMPRESSION.items() if magic.startswith(prefix)), "")
    return UnarchiveState(False, differs, attrs, files, compression)


def _attribute_command(args: UnarchiveArgs, tar_list: str) -> str:
    actions = []
    if args.owner or args.group:
        spec = q(args.owner or "") + (":" + q(args.group) if args.group else "")
        actions.append(f"chown -h {spec} -- \"$m\"")
    mode = _mode(args)
    if mode:
        actions.append(f"{{ [ -L \"$m\" ] || chmod {mode} -- \"$m\"; }}")
    return (f"{tar_list} | while IFS= read -r m; do [ -e \"$m\" ] || [ -L \"$m\" ] || continue; "
            f"{' && '.join(actions)} || exit 1; done")


@register
class UnarchiveModule(HostModule[UnarchiveArgs, UnarchiveState]):
    name = "unarchive"
    Args = UnarchiveArgs

    def probe(self, args: UnarchiveArgs, ctx: ModuleContext) -> str:
        if not args.remote_src:
            raise ModuleError("unarchive supports only archives already on the target",
                              hint="copy the archive with the copy module, then use remote_src: true")
        if "://" in args.src:
            raise ModuleError("unarchive does not download", hint="fetch it first with get_url")
        _mode(args)
        return sections_probe(_probe_snippets(args))

    def parse(self, args: UnarchiveArgs, output: CommandResult | None, ctx: ModuleContext) -> UnarchiveState:
        return parse_state(args, parse_sections(output, what=f"{args.src} on {ctx.host}"))

    def desired(self, args: UnarchiveArgs, ctx: ModuleContext) -> UnarchiveState:
        return UnarchiveState()

    def steps(self, current: UnarchiveState, desired: UnarchiveState, args: UnarchiveArgs) -> list[Step]:
        if current.created:
            return []
        options = _tar_options(args, current.compression)
        options = f" {options}" if options else ""
        members = _members(args)
        tar_list = f"tar -t{options} -f {q(args.src)}{members}"
        chdir = f"cd {q(args.dest)} && "
        steps = []
        if current.differs:
            shown = "\n".join(current.differs[:20]) + "\n"
            steps.append(Step(Action.UPDATE, f"unpack {args.src} into {args.dest}",
                              f"{chdir}tar -x{options} -f {q(args.src)}{members}",
                              diff=Diff(shown, f"unpacked {args.src}\n", args.dest, args.dest)))
        if (args.owner or args.group or args.mode is not None) and (current.differs or current.attributes_differ):
            steps.append(Step(Action.UPDATE, f"owner/group/mode of the members of {args.src}",
                              chdir + _attribute_command(args, tar_list)))
        return steps

    def result(self, args: UnarchiveArgs, current: UnarchiveState, desired: UnarchiveState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        fields: dict[str, Any] = {"dest": args.dest, "src": args.src, "handler": "TgzArchive",
                                  "state": "directory"}
        if args.list_files:
            fields["files"] = list(current.files)
        return fields
