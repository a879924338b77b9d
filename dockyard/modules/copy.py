"""copy: put a file (or a tree of files) from the controller, or given content, on a host.

Arguments (``ansible.builtin.copy``)::

    - copy:
        src: app.conf            # found in files/ of the role or playbook; a directory
                                 # is copied recursively ('dir/' copies only what is inside)
        content: "key=1\\n"       # instead of src (a dict or list is written as JSON)
        dest: /etc/app/app.conf  # an existing directory receives the file under src's name
        mode: "0644"             # octal, symbolic, or 'preserve' (the source's mode)
        owner: app
        group: app
        directory_mode: "0755"   # for directories the copy creates
        backup: false            # keep PATH.PID.DATE@TIME~ of a replaced file
        force: true              # false: never replace a file that exists
        follow: false            # write through a symlink at dest instead of replacing it
        validate: "nginx -t -c %s"
        remote_src: false        # true: src is a file on the host, copied there
        checksum: null           # expected SHA1 of the source

One probe reads, for every target, its stat and sha256 (and, with ``--diff``, its
content); a file is sent only when the checksums differ, in one atomic write that also
sets mode and owner. The result's ``checksum`` is the SHA1 of the content, as in Ansible.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import ModuleContext
from dockyard.modules.content import backup_arg, group_arg, owner_arg, validate_arg
from dockyard.modules.copying import (
    CopyingModule,
    CopyState,
    Layout,
    Options,
    SourceFile,
    Spec,
    follow_arg,
    force_arg,
)
from dockyard.modules.registry import register

__all__ = ["CopyArgs", "CopyModule", "controller_tree"]


@dataclass(frozen=True)
class CopyArgs:
    dest: str = arg(required=True, doc="path on the host; a directory receives src under its name")
    src: str | None = arg(None, doc="controller file or directory (files/ of the role or playbook)")
    content: Any = arg(None, doc="the file's content, instead of src")
    mode: Any = arg(None, doc="octal, symbolic or 'preserve' mode of the files")
    owner: str | None = owner_arg("the files")
    group: str | None = group_arg("the files")
    directory_mode: Any = arg(None, doc="mode of the directories the copy creates")
    backup: bool = backup_arg("a replaced file")
    force: bool = force_arg()
    follow: bool = follow_arg()
    local_follow: bool = arg(True, doc="follow symlinks in a src directory (only true is supported)")
    remote_src: bool = arg(False, doc="src is a file on the host")
    validate: str | None = validate_arg()
    checksum: str | None = arg(None, doc="expected SHA1 of the source")
    decrypt: bool = arg(True, doc="accepted for compatibility (no vault support: files are sent as they are)")


def _content_bytes(content: Any) -> bytes:
    if isinstance(content, dict | list):
        return json.dumps(content).encode()
    return str(content).encode("utf-8", errors="surrogateescape")


def _file_mode(mode: Any, source: Path | None) -> Any:
    if mode == "preserve":
        if source is None:
            raise ModuleError("mode: preserve needs src", hint="give the mode in octal, e.g. '0644'")
        return f"{source.stat().st_mode & 0o7777:04o}"
    return mode


def controller_tree(root: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Relative directories and files under ``root`` (symlinks followed), sorted."""
    directories: list[str] = []
    files: list[str] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_dir():
            directories.append(relative)
        elif path.is_file():
            files.append(relative)
    return tuple(directories), tuple(files)


def _check(args: CopyArgs) -> None:
    if args.src is None and args.content is None:
        raise ModuleError("src (or content) is required", hint="add 'src: FILE' or 'content: TEXT'")
    if args.content is not None and args.dest.endswith("/"):
        raise ModuleError("can not use content with a dir as dest", hint="name the file in dest")
    if not args.local_follow:
        raise ModuleError("local_follow: false is not supported", hint="symlinks in src are followed")
    if args.remote_src and args.src is not None and args.src.endswith("/"):
        raise ModuleError("remote_src with a directory src is not supported",
                          hint="copy a single file, or use 'command: cp -a SRC DEST' with creates")


@register
class CopyModule(CopyingModule[CopyArgs]):
    name = "copy"
    Args = CopyArgs
    exclusive = (("src", "content"),)

    def layout(self, args: CopyArgs, ctx: ModuleContext) -> Layout:
        """Where files go, from names only (nothing is read or rendered yet)."""
        _check(args)
        if args.content is not None:
            return Layout(args.dest)
        if args.remote_src:
            return Layout(args.dest, basename=Path(str(args.src)).name, remote_src=str(args.src))
        source = ctx.find_file(str(args.src), "files")
        if not source.is_dir():
            return Layout(args.dest, basename=source.name)
        directories, files = controller_tree(source)
        root = args.dest.rstrip("/") or "/"
        if not str(args.src).endswith("/"):
            root = f"{root.rstrip('/')}/{source.name}"
        return Layout(root, names=files, directories=("", *directories), recursive=True)

    def desired(self, args: CopyArgs, ctx: ModuleContext) -> CopyState:
        layout = self.layout(args, ctx)
        files: tuple[SourceFile, ...]
        if args.content is not None:
            files = (SourceFile("", _content_bytes(args.content), args.mode),)
        elif args.remote_src:
            files = ()
        elif layout.recursive:
            root = ctx.find_file(str(args.src), "files")
            files = tuple(SourceFile(name, (root / name).read_bytes(), _file_mode(args.mode, root / name))
                          for name in layout.names)
        else:
            source = ctx.find_file(str(args.src), "files")
            files = (SourceFile("", source.read_bytes(), _file_mode(args.mode, source)),)
        return Spec(layout, files, Options(
            mode=args.mode, owner=args.owner, group=args.group, directory_mode=args.directory_mode,
            backup=args.backup, force=args.force, validate=args.validate, expected_sha1=args.checksum))
