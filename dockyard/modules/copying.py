"""Copying files to a host: what ``copy`` and ``template`` share.

A copy is planned in three parts, so that the probe needs names only and nothing is
read or rendered on the controller before it is needed:

    Layout   where files go (dest, a directory tree's names, src's basename)
    Remote   what the probe found there: stat + sha256 (+ content for --diff) per target
    Spec     the files' bytes and the attributes they should have

``copy_steps`` compares sha256 checksums, so unchanged content is never sent. Probe
records are line based (content, when read for a diff, is one base64 line), so one
probe describes any number of targets in one round trip.

Both modules subclass :class:`CopyingModule`: each says where its files go (``layout``)
and what they hold (``desired``); probing, planning and the result are common.
"""

from __future__ import annotations

import base64
import hashlib
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Action, Diff, HostModule, ModuleContext, Step, q
from dockyard.modules.content import (
    MAX_DIFF_SIZE,
    FileContent,
    Write,
    backup_command,
    backup_file,
    diff_text,
    update_steps,
    write_command,
    written_attributes,
)
from dockyard.modules.paths import (
    PathState,
    attribute_steps,
    normalize_mode,
    parse_path_record,
    probe_path,
)

__all__ = ["CopiedFileArgs", "CopyState", "CopyingModule", "Layout", "Options", "Remote", "SourceFile",
           "Spec", "copy_result", "copy_steps", "follow_arg", "force_arg", "parse_remote",
           "probe_remote", "remote_src_steps", "split_states"]


@dataclass(frozen=True)
class Layout:
    """Where a copy puts things; ``dest`` is the root directory of a recursive copy."""

    dest: str
    names: tuple[str, ...] = ("",)
    directories: tuple[str, ...] = ()
    basename: str | None = None
    recursive: bool = False
    remote_src: str | None = None

    def join(self, name: str) -> str:
        return f"{self.dest.rstrip('/')}/{name}" if name else self.dest

    def single_target(self, into_dir: bool) -> str:
        """The one file's path: under dest when dest is (or ends like) a directory."""
        if self.basename is not None and (into_dir or self.dest.endswith("/")):
            return f"{self.dest.rstrip('/')}/{self.basename}"
        return self.dest


@dataclass(frozen=True)
class Remote:
    """The host's side: each target's state, and whether dest was a directory."""

    into_dir: bool = False
    files: Mapping[str, FileContent] = field(default_factory=dict)
    directories: Mapping[str, PathState] = field(default_factory=dict)
    source: FileContent | None = None


@dataclass(frozen=True)
class SourceFile:
    name: str
    data: bytes
    mode: Any = None


@dataclass(frozen=True)
class Options:
    mode: Any = None
    owner: str | None = None
    group: str | None = None
    directory_mode: Any = None
    backup: bool = False
    force: bool = True
    validate: str | None = None
    expected_sha1: str | None = None


@dataclass(frozen=True)
class Spec:
    """What the copy declares: the layout, the files' bytes, their attributes."""

    layout: Layout
    files: tuple[SourceFile, ...]
    options: Options = Options()


#: A copy module's current state is a Remote, its desired state a Spec.
CopyState = Remote | Spec


def split_states(current: CopyState, desired: CopyState) -> tuple[Remote, Spec]:
    """The (Remote, Spec) pair the engine hands back to ``steps`` and ``result``."""
    if not isinstance(current, Remote) or not isinstance(desired, Spec):
        raise TypeError("a copy plan needs the probe's Remote and the task's Spec")
    return current, desired


def _record(path: str, *, follow: bool, with_content: bool) -> str:
    text = probe_path(path, checksum=True, follow=follow)
    if with_content:
        p = q(path)
        regular = f"[ -f {p} ]" if follow else f"[ -f {p} ] && [ ! -L {p} ]"
        text += (f"\nif {regular}; then head -c {MAX_DIFF_SIZE + 1} -- {p} | base64 | tr -d '\\n'; fi"
                 "; echo")
    return text


def probe_remote(layout: Layout, *, follow: bool, with_content: bool) -> str:
    """Read-only shell text describing every target of ``layout``, in order."""
    parts = []
    if layout.remote_src is not None:
        parts.append(_record(layout.remote_src, follow=True, with_content=with_content))
    if layout.recursive:
        parts += [probe_path(layout.join(name)) for name in layout.directories]
        parts += [_record(layout.join(name), follow=follow, with_content=with_content)
                  for name in layout.names]
        return "\n".join(parts)
    d = q(layout.dest)
    plain = _record(layout.single_target(False), follow=follow, with_content=with_content)
    if layout.dest.endswith("/"):
        parts.append(f"echo into-dir\n{_record(layout.single_target(True), follow=follow, with_content=with_content)}")
    elif layout.basename is None:
        parts.append(f"if [ -d {d} ]; then echo into-dir; else echo plain\n{plain}\nfi")
    else:
        inside = _record(layout.single_target(True), follow=follow, with_content=with_content)
        parts.append(f"if [ -d {d} ]; then echo into-dir\n{inside}\nelse echo plain\n{plain}\nfi")
    return "\n".join(parts)


def _read_record(path: str, text: str, with_content: bool) -> tuple[FileContent, str]:
    state, rest = parse_path_record(path, text, checksum=True)
    content = None
    if with_content:
        line, _, rest = rest.partition("\n")
        if state.kind == "file":
            content = base64.b64decode(line)
    return FileContent(state, content), rest


def parse_remote(layout: Layout, output: CommandResult | None, *, with_content: bool) -> Remote:
    if output is None or output.rc != 0:
        detail = output.tail() if output is not None else "no output"
        raise ModuleError(f"cannot read the state of {layout.dest}: {detail}")
    text = output.stdout.decode("utf-8", errors="surrogateescape")
    source = None
    if layout.remote_src is not None:
        source, text = _read_record(layout.remote_src, text, with_content)
    if layout.recursive:
        directories = {}
        for name in layout.directories:
            directories[layout.join(name)], text = parse_path_record(layout.join(name), text)
        files = {}
        for name in layout.names:
            files[layout.join(name)], text = _read_record(layout.join(name), text, with_content)
        return Remote(files=files, directories=directories, source=source)
    marker, _, text = text.partition("\n")
    into_dir = marker == "into-dir"
    if into_dir and layout.basename is None:
        return Remote(into_dir=True, source=source)
    target = layout.single_target(into_dir)
    record, _ = _read_record(target, text, with_content)
    return Remote(into_dir=into_dir, files={target: record}, source=source)


def sha1(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def _write(path: str, mode: Any, options: Options, *, make_parents: bool = False) -> Write:
    return Write(path, mode=mode, owner=options.owner, group=options.group, backup=options.backup,
                 validate=options.validate, make_parents=make_parents,
                 directory_mode=options.directory_mode)


def _file_steps(current: FileContent, source: SourceFile, spec: Spec, target: str, *,
                make_parents: bool = False) -> list[Step]:
    state = current.state
    if state.kind == "directory":
        raise ModuleError(f"{target} is a directory", hint="a file cannot replace a directory")
    if state.exists and not spec.options.force:
        return []
    expected = spec.options.expected_sha1
    if expected and sha1(source.data) != expected:
        raise ModuleError("Copied file does not match the expected checksum. Transfer failed.",
                          hint=f"expected sha1 {expected}, the source has {sha1(source.data)}")
    same = state.kind == "file" and state.checksum == hashlib.sha256(source.data).hexdigest()
    write = _write(target, source.mode, spec.options, make_parents=make_parents)
    summary = f"copy {source.name or spec.layout.basename or 'content'} to {target}"
    return update_steps(current, source.data, write, summary, unchanged=same)


def _directory_steps(current: Remote, spec: Spec) -> list[Step]:
    missing = []
    for path, state in current.directories.items():
        if state.exists and state.kind != "directory":
            raise ModuleError(f"{path} exists and is a {state.kind}, not a directory",
                              hint="remove it, or copy to another dest")
        if not state.exists:
            missing.append(path)
    if not missing:
        return []
    options = spec.options
    paths = " ".join(q(path) for path in missing)
    command = [f"mkdir -p -- {paths}"]
    if mode := normalize_mode(options.directory_mode, is_dir=True):
        command.append(f"chmod {mode} -- {paths}")
    if options.owner or options.group:
        owner = q(options.owner or "") + (":" + q(options.group) if options.group else "")
        command.append(f"chown {owner} -- {paths}")
    return [Step(Action.CREATE, f"create directories {', '.join(missing)}", " && ".join(command),
                 diff=Diff("", "".join(f"{path}/\n" for path in missing), spec.layout.dest,
                           spec.layout.dest))]


def copy_steps(current: Remote, spec: Spec) -> list[Step]:
    """The steps of a copy from the controller (or of content)."""
    layout = spec.layout
    if layout.recursive:
        steps = _directory_steps(current, spec)
        for source in spec.files:
            target = layout.join(source.name)
            steps += _file_steps(current.files[target], source, spec, target)
        return steps
    if current.into_dir and layout.basename is None:
        raise ModuleError("can not use content with a dir as dest", hint=f"{layout.dest} is a directory")
    target = layout.single_target(current.into_dir)
    return _file_steps(current.files[target], spec.files[0], spec, target,
                       make_parents=layout.dest.endswith("/"))


def remote_src_steps(current: Remote, spec: Spec) -> list[Step]:
    """The steps of ``remote_src: true``: the host copies its own file."""
    layout = spec.layout
    source = current.source
    src = str(layout.remote_src)
    if source is None or not source.state.exists:
        raise ModuleError(f"Source {src} not found", hint="remote_src: true reads src on the host")
    if source.state.kind != "file":
        raise ModuleError(f"Cannot copy invalid source '{src}': not a file")
    target = layout.single_target(current.into_dir)
    existing = current.files[target]
    state = existing.state
    if state.kind == "directory":
        raise ModuleError(f"{target} is a directory", hint="a file cannot replace a directory")
    if state.exists and not spec.options.force:
        return []
    options = spec.options
    wanted = source.state.mode if options.mode in (None, "preserve") else options.mode
    mode = normalize_mode(wanted, state.mode)
    if state.kind == "file" and state.checksum == source.state.checksum:
        return attribute_steps(state, existing.target, mode=mode, owner=options.owner, group=options.group)
    steps = []
    if options.backup and state.kind == "file":
        steps.append(Step(Action.CREATE, f"back up {target}", backup_command(target)))
    write = _write(target, mode, options, make_parents=layout.dest.endswith("/"))
    script = write_command(existing.target, source.state.size, write, mode)
    steps.append(Step(Action.UPDATE if state.exists else Action.CREATE, f"copy {src} to {target} on the host",
                      f"cat -- {q(source.target)} | (\n{script}\n)",
                      diff=Diff(diff_text(existing.content, size=state.size),
                                diff_text(source.content, size=source.state.size), target, target)))
    return steps


def copy_result(current: Remote, spec: Spec, steps: Sequence[Step], ran: Sequence[CommandResult],
                *, src: str | None) -> dict[str, Any]:
    """Ansible's copy result: dest, src, checksum (SHA1), size, mode, owner, group, backup_file."""
    layout = spec.layout
    if layout.recursive:
        return {"dest": layout.dest.rstrip("/") + "/", **({"src": src} if src else {})}
    target = layout.single_target(current.into_dir)
    result: dict[str, Any] = {"dest": target, "state": "file"}
    if src is not None:
        result["src"] = src
    state = current.files[target].state
    if spec.files:
        result.update(checksum=sha1(spec.files[0].data), size=len(spec.files[0].data))
    elif current.source is not None:
        result["size"] = current.source.state.size
    if state.kind == "file":
        mode = spec.files[0].mode if spec.files else spec.options.mode
        result.update(mode=normalize_mode(None if mode == "preserve" else mode, state.mode) or state.mode,
                      owner=spec.options.owner or state.owner, group=spec.options.group or state.group)
    result.update(written_attributes(ran))
    if backup := backup_file(target, steps, ran):
        result["backup_file"] = backup
    return result


def force_arg() -> Any:
    return arg(True, doc="replace a file whose content differs; false: only create")


def follow_arg() -> Any:
    return arg(False, doc="follow a symlink at dest instead of replacing it")


class CopiedFileArgs(Protocol):
    """What :class:`CopyingModule` reads of a module's ``Args``."""

    @property
    def src(self) -> str | None: ...
    @property
    def follow(self) -> bool: ...


C = TypeVar("C", bound=CopiedFileArgs)


class CopyingModule(HostModule[C, CopyState]):
    """``copy`` and ``template``: a subclass gives the :class:`Layout` and the :class:`Spec`.

    The probe reads every target of the layout (with content for ``--diff``); the steps
    copy what differs (or let the host copy its own file, for ``remote_src``); the result
    has Ansible's copy fields.
    """
    steps_run_ahead = True

    @abstractmethod
    def layout(self, args: C, ctx: ModuleContext) -> Layout:
        """Where files go, from names only (nothing is read or rendered yet)."""

    def probe(self, args: C, ctx: ModuleContext) -> str:
        return probe_remote(self.layout(args, ctx), follow=args.follow, with_content=ctx.diff)

    def parse(self, args: C, output: CommandResult | None, ctx: ModuleContext) -> CopyState:
        return parse_remote(self.layout(args, ctx), output, with_content=ctx.diff)

    def steps(self, current: CopyState, desired: CopyState, args: C) -> list[Step]:
        remote, spec = split_states(current, desired)
        if spec.layout.remote_src:
            return remote_src_steps(remote, spec)
        return copy_steps(remote, spec)

    def result(self, args: C, current: CopyState, desired: CopyState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        remote, spec = split_states(current, desired)
        return copy_result(remote, spec, steps, ran, src=args.src)
