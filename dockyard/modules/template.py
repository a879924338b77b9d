"""template: render a Jinja2 file on the controller, then copy the result to the host.

Arguments (``ansible.builtin.template``)::

    - template:
        src: nginx.conf.j2       # found in templates/ of the role or playbook
        dest: /etc/nginx/nginx.conf
        mode: "0644"             # and owner, group, backup, force, follow, validate:
        owner: root              # exactly as for copy
        lstrip_blocks: false     # strip spaces before {% ... %} at the start of a line
        newline_sequence: "\\n"   # "\\n", "\\r" or "\\r\\n"
        output_encoding: utf-8

The template is rendered with the host's variables by the engine's renderer
(``ctx.render``, the same Jinja2 environment tasks are templated with); the rendered
text then behaves exactly like ``copy`` with ``content``: sent only when its checksum
differs, in one atomic write that sets mode and owner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

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

__all__ = ["TemplateArgs", "TemplateModule", "lstrip_blocks"]

NEWLINES = {"\\n": "\n", "\\r": "\r", "\\r\\n": "\r\n"}
#: Jinja2 delimiters the engine's renderer does not take; their (only supported) defaults.
DELIMITERS = {
    "block_start_string": "{%", "block_end_string": "%}",
    "variable_start_string": "{{", "variable_end_string": "}}",
    "comment_start_string": "{#", "comment_end_string": "#}",
}


@dataclass(frozen=True)
class TemplateArgs:
    src: str = arg(required=True, doc="Jinja2 template on the controller (templates/ of the role or playbook)")
    dest: str = arg(required=True, doc="path on the host; a directory receives the file under src's name")
    mode: Any = arg(None, doc="octal, symbolic or 'preserve' (the template's) mode")
    owner: str | None = owner_arg()
    group: str | None = group_arg()
    backup: bool = backup_arg("a replaced file")
    force: bool = force_arg()
    follow: bool = follow_arg()
    validate: str | None = validate_arg()
    newline_sequence: str = arg("\n", doc="line ending of the output: \\n, \\r or \\r\\n")
    lstrip_blocks: bool = arg(False, doc="strip spaces and tabs before a block tag at the start of a line")
    trim_blocks: bool = arg(True, doc="remove the newline after a block tag")
    block_start_string: str = arg("{%", doc="only the default is supported")
    block_end_string: str = arg("%}", doc="only the default is supported")
    variable_start_string: str = arg("{{", doc="only the default is supported")
    variable_end_string: str = arg("}}", doc="only the default is supported")
    comment_start_string: str = arg("{#", doc="only the default is supported")
    comment_end_string: str = arg("#}", doc="only the default is supported")
    output_encoding: str = arg("utf-8", doc="encoding of the written file")


def lstrip_blocks(text: str) -> str:
    """Jinja2's ``lstrip_blocks``: drop blanks before ``{%`` / ``{#`` at a line's start (not ``{%+``)."""
    return re.sub(r"(?m)^[ \t]+(?=\{%(?!\+)|\{#)", "", text)


def _check(args: TemplateArgs) -> str:
    """The newline sequence to write; unsupported renderer options fail here."""
    for name, default in DELIMITERS.items():
        if getattr(args, name) != default:
            raise ModuleError(f"template option {name}={getattr(args, name)!r} is not supported",
                              hint=f"keep the default ({default!r})")
    newline = NEWLINES.get(args.newline_sequence, args.newline_sequence)
    if newline not in NEWLINES.values():
        raise ModuleError("newline_sequence needs to be one of: \\n, \\r or \\r\\n")
    try:
        "".encode(args.output_encoding)
    except LookupError:
        raise ModuleError(f"unknown output_encoding {args.output_encoding!r}") from None
    return newline


def _render_text(text: str, source: Path, args: TemplateArgs, ctx: ModuleContext) -> str:
    """The engine's file renderer when it has one (template_* variables, errors at
    file:line, trim/lstrip options); else ``ctx.render`` with lstrip_blocks done here."""
    if ctx.render_file is not None:
        return ctx.render_file(text, path=str(source), dest=args.dest, trim_blocks=args.trim_blocks,
                               lstrip_blocks=args.lstrip_blocks)
    if not args.trim_blocks:
        raise ModuleError("trim_blocks: false needs the engine's file renderer",
                          hint="this context renders with trim_blocks on")
    return ctx.render(lstrip_blocks(text) if args.lstrip_blocks else text)


def render(source: Path, args: TemplateArgs, ctx: ModuleContext) -> bytes:
    """The rendered file, encoded; Jinja2 errors become ModuleErrors naming the template."""
    newline = _check(args)
    text = source.read_text(encoding="utf-8")
    try:
        rendered = _render_text(text, source, args, ctx)
    except jinja2.TemplateError as exc:  # the engine's renderer raises its own errors, with spans
        raise ModuleError(f"cannot render template {source}: {exc}", host=ctx.host,
                          hint="check the template's syntax and the variables it uses") from None
    if newline != "\n":
        rendered = rendered.replace("\r\n", "\n").replace("\n", newline)
    return rendered.encode(args.output_encoding, errors="surrogateescape")


@register
class TemplateModule(CopyingModule[TemplateArgs]):
    name = "template"
    Args = TemplateArgs

    def located(self, args: TemplateArgs, ctx: ModuleContext) -> tuple[Layout, Path]:
        """The layout and the template file it was made from."""
        source = ctx.find_file(args.src, "templates")
        return Layout(args.dest, basename=source.name), source

    def layout(self, args: TemplateArgs, ctx: ModuleContext) -> Layout:
        return self.located(args, ctx)[0]

    def probe(self, args: TemplateArgs, ctx: ModuleContext) -> str:
        _check(args)
        return super().probe(args, ctx)

    def desired(self, args: TemplateArgs, ctx: ModuleContext) -> CopyState:
        layout, source = self.located(args, ctx)
        mode = f"{source.stat().st_mode & 0o7777:04o}" if args.mode == "preserve" else args.mode
        files = (SourceFile("", render(source, args, ctx), mode),)
        return Spec(layout, files, Options(mode=mode, owner=args.owner, group=args.group,
                                           backup=args.backup, force=args.force, validate=args.validate))
