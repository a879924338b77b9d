"""``dockyard modules [NAME]``: the modules, and one module's arguments from its declaration."""

from __future__ import annotations

import argparse
import inspect
import sys
import typing
from typing import Any

from dockyard.errors import ModuleError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "modules", help="list modules, or show one module's arguments",
        description="List the modules, or show a module's documentation and arguments "
        "(generated from its declaration, so it always matches the code).",
        epilog="examples:\n  dockyard modules\n  dockyard modules lineinfile",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", nargs="?", help="module name (short or ansible.builtin.NAME)")
    parser.set_defaults(func=run_modules)


def _kind(kind: Any) -> str:
    text = str(kind) if typing.get_origin(kind) else getattr(kind, "__name__", str(kind))
    return text.replace("typing.", "").replace("NoneType", "None")


def run_modules(args: argparse.Namespace) -> int:
    from dockyard.modules.args import arg_specs
    from dockyard.modules.base import ControllerModule
    from dockyard.modules.registry import find_module, known_names, unknown_module_hint

    if not args.name:
        for name in known_names():
            cls = find_module(name)
            assert cls is not None
            where = "controller" if issubclass(cls, ControllerModule) else "host"
            summary = (inspect.getdoc(sys.modules[cls.__module__]) or "").splitlines()[0:1]
            alias = "" if cls.name == name else f" (alias of {cls.name})"
            print(f"{name:16} {where:10} {summary[0] if summary else ''}{alias}")
        return 0
    cls = find_module(args.name)
    if cls is None:
        raise ModuleError(f"unknown module '{args.name}'", hint=unknown_module_hint(args.name))
    print(inspect.getdoc(sys.modules[cls.__module__]) or cls.name)
    if getattr(cls, "any_args", False):
        print("\nArguments: any variable names (each becomes a value).")
        return 0
    print("\nArguments:")
    for spec in arg_specs(cls.Args):
        flags = "required" if spec.required else f"default: {spec.default!r}"
        extra = f"; choices: {', '.join(map(str, spec.choices))}" if spec.choices else ""
        aliases = f" (aliases: {', '.join(spec.aliases)})" if spec.aliases else ""
        print(f"  {spec.name}{aliases}  [{_kind(spec.kind)}; {flags}{extra}]")
        if spec.doc:
            print(f"      {spec.doc}")
    return 0
