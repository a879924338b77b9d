"""set_fact: set host variables for the rest of the run (they outrank play and inventory vars).

    - set_fact:
        app_url: "http://{{ ansible_default_ipv4.address }}:{{ app_port }}"
        cacheable: false        # accepted for compatibility; there is no fact cache
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dockyard.errors import ModuleError
from dockyard.modules.base import ControllerModule, ModuleContext
from dockyard.modules.registry import register

__all__ = ["SetFactModule"]


@dataclass(frozen=True)
class SetFactArgs:
    values: Mapping[str, Any]


@register
class SetFactModule(ControllerModule):
    name = "set_fact"
    Args = SetFactArgs
    any_args = True
    returns_variables = True

    def execute(self, args: SetFactArgs, ctx: ModuleContext) -> dict[str, Any]:
        facts = {k: v for k, v in args.values.items() if k != "cacheable"}
        if not facts:
            raise ModuleError("set_fact needs at least one variable", host=ctx.host,
                              hint="write 'set_fact: {name: value}'")
        bad = [name for name in facts if not str(name).isidentifier()]
        if bad:
            raise ModuleError(f"invalid variable name(s) for set_fact: {', '.join(map(str, bad))}",
                              host=ctx.host, hint="names must be valid identifiers")
        return {"changed": False, "ansible_facts": facts}
