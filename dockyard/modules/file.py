"""file: directories, symlinks, hard links, empty files, removal, and attributes.

Arguments (Ansible's ``ansible.builtin.file``)::

    - file:
        path: /srv/app          # aliases: dest, name
        state: directory        # file | directory | link | hard | touch | absent
        mode: "0755"            # octal or symbolic (u=rwx,g=rx,o=)
        owner: app
        group: app
        src: /srv/releases/v2   # for state: link / hard
        force: false            # link: replace a file that is in the way
        recurse: false          # directory: set attributes on everything inside

Idempotent: a second run reports ``ok``. ``state: file`` only checks and sets attributes;
it never creates a file (use ``touch`` or ``copy``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from dockyard.connection.base import CommandResult
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
from dockyard.modules.registry import register

__all__ = ["FileModule"]

STATES = ("file", "directory", "link", "hard", "touch", "absent")


@dataclass(frozen=True)
class FileArgs:
    path: str = arg(required=True, aliases=("dest", "name"), doc="path to manage")
    state: str | None = arg(None, choices=STATES, doc="what the path should be (default: file, "
                            "or link when src is given)")
    mode: Any = arg(None, doc="octal ('0644') or symbolic ('u=rw,g=r,o=') mode")
    owner: str | None = arg(None, doc="user name or uid that should own the path")
    group: str | None = arg(None, doc="group name or gid")
    src: str | None = arg(None, doc="link target (state: link or hard)")
    force: bool = arg(False, doc="link: replace whatever is at path")
    recurse: bool = arg(False, doc="directory: apply owner/group/mode to everything inside")
    follow: bool = arg(True, doc="set attributes on a link's target rather than the link")


def _state(args: FileArgs) -> str:
    return args.state or ("link" if args.src else "file")


def _recurse_checks(args: FileArgs, mode: str | None) -> str:
    checks = []
    if args.owner:
        checks.append(f"! -user {q(args.owner)}")
    if args.group:
        checks.append(f"! -group {q(args.group)}")
    if mode:
        checks.append(f"! -perm {mode}")
    return " -o ".join(f"\\( {check} \\)" for check in checks)


def _octal_mode(args: FileArgs) -> str | None:
    """The mode for recursion, which must be octal (a symbolic mode differs per entry)."""
    if args.mode is None or isinstance(args.mode, int) or str(args.mode).strip().isdigit():
        return normalize_mode(args.mode)
    if args.recurse:
        raise ModuleError("recurse: true needs an octal mode", hint="write the mode as '0755'")
    return None


@register
class FileModule(HostModule[FileArgs, PathState]):
    steps_run_ahead = True
    name = "file"
    Args = FileArgs

    def probe(self, args: FileArgs, ctx: ModuleContext) -> str:
        text = probe_path(args.path)
        p = q(args.path)
        if _state(args) == "hard" and args.src:
            text += f"\nif [ {p} -ef {q(args.src)} ]; then echo same-inode; fi"
        mode = _octal_mode(args)
        if args.recurse and (args.owner or args.group or mode):
            differ = _recurse_checks(args, mode)
            text += f"\nif [ -d {p} ] && find {p} {differ} -print 2>/dev/null | grep -q .; then echo recurse-differs; fi"
        return text

    def parse(self, args: FileArgs, output: CommandResult | None, ctx: ModuleContext) -> PathState:
        state, rest = parse_path(args.path, output)
        if "same-inode" in rest.split():
            state = replace(state, link_target=args.src or "")
        if "recurse-differs" in rest.split():
            state = replace(state, checksum="recurse-differs")
        return state

    def desired(self, args: FileArgs, ctx: ModuleContext) -> PathState:
        state = _state(args)
        return PathState(args.path, kind="file" if state in ("touch", "hard") else state,
                         link_target=args.src or "")

    def steps(self, current: PathState, desired: PathState, args: FileArgs) -> list[Step]:
        state = _state(args)
        path = args.path
        if state == "absent":
            if not current.exists:
                return []
            return [Step(Action.DELETE, f"remove {current.kind} {path}", f"rm -rf -- {q(path)}",
                         diff=Diff(f"{current.kind}\n", "absent\n", path, path))]
        if state in ("link", "hard"):
            return self._link_steps(current, args, hard=state == "hard")
        mode = normalize_mode(args.mode, current.mode, is_dir=state == "directory")
        steps: list[Step] = []
        after = current
        if state == "directory":
            if current.exists and current.kind != "directory":
                raise ModuleError(f"{path} exists and is a {current.kind}, not a directory",
                                  hint="remove it first (state: absent) or choose another path")
            if not current.exists:
                created = normalize_mode(args.mode, "0755", is_dir=True)
                steps.append(self._mkdir_step(path, created, args.owner, args.group))
                if args.recurse and (args.owner or args.group or mode):
                    return [*steps, self._recurse_step(args, _octal_mode(args))]
                return steps
        elif state == "touch":
            verb = Action.UPDATE if current.exists else Action.CREATE
            steps.append(Step(verb, f"touch {path}", f"touch -- {q(path)}",
                              diff=None if current.exists else Diff("absent\n", "file\n", path, path)))
            after = current if current.exists else PathState(path, kind="file")
        elif not current.exists:
            raise ModuleError(f"{path} does not exist",
                              hint="state: file only manages an existing file; use state: touch "
                              "or the copy module to create it")
        attrs = attribute_steps(after, path, mode=mode, owner=args.owner, group=args.group,
                                follow_links=args.follow)
        if args.recurse and state == "directory" and current.checksum == "recurse-differs":
            return [*steps, *attrs, self._recurse_step(args, _octal_mode(args))]
        return steps + attrs

    @staticmethod
    def _mkdir_step(path: str, mode: str | None, owner: str | None, group: str | None) -> Step:
        """Create the missing directories one by one, each with the mode and owner, as Ansible
        does (``mkdir -p`` would give them only to the last one)."""
        each = ['mkdir -- "$d"']
        if mode:
            each.append(f'chmod {mode} -- "$d"')
        if owner or group:
            each.append(f'chown {q(owner or "")}{":" + q(group) if group else ""} -- "$d"')
        command = (
            f"set -e; t={q(path)}; set --\n"
            'while [ ! -e "$t" ] && [ ! -L "$t" ]; do set -- "$t" "$@"; t=$(dirname -- "$t"); done\n'
            f'for d in "$@"; do {"; ".join(each)}; done'
        )
        summary = f"create directory {path}" + (f" (mode {mode})" if mode else "")
        return Step(Action.CREATE, summary, command, diff=Diff("absent\n", "directory\n", path, path))

    def _recurse_step(self, args: FileArgs, mode: str | None) -> Step:
        """Everything under the directory; the probe found at least one entry that differs."""
        command = []
        if args.owner or args.group:
            spec = q(args.owner or "") + (":" + q(args.group) if args.group else "")
            command.append(f"chown -R {spec} -- {q(args.path)}")
        if mode:
            command.append(f"chmod -R {mode} -- {q(args.path)}")
        return Step(Action.UPDATE, f"attributes of everything under {args.path}", " && ".join(command))

    def _link_steps(self, current: PathState, args: FileArgs, *, hard: bool) -> list[Step]:
        path, src = args.path, args.src
        if not src:
            raise ModuleError(f"state: {'hard' if hard else 'link'} needs src", hint="add 'src: TARGET'")
        if not hard and current.kind == "link" and current.link_target == src:
            return attribute_steps(current, path, mode=None, owner=args.owner, group=args.group,
                                   follow_links=False)
        if hard and current.link_target == src:
            return []
        if current.exists and current.kind != "link" and not args.force and not hard:
            raise ModuleError(f"{path} exists and is a {current.kind}; refusing to replace it with a link",
                              hint="set force: true to replace it")
        flag = "-f" if hard else "-sfn"
        verb = Action.UPDATE if current.exists else Action.CREATE
        before = f"-> {current.link_target}\n" if current.kind == "link" else f"{current.kind}\n"
        return [Step(verb, f"{'hard ' if hard else ''}link {path} -> {src}",
                     f"ln {flag} -- {q(src)} {q(path)}",
                     diff=Diff(before, f"-> {src}\n", path, path))]

    def result(self, args: FileArgs, current: PathState, desired: PathState,
               steps: Any, ran: Any) -> dict[str, Any]:
        state = _state(args)
        return {"path": args.path, "state": state}
