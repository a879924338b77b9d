"""debug: print a message or a variable's value; never changes anything.

    - debug:
        msg: "deploying {{ version }}"
    - debug:
        var: result.stdout_lines
        verbosity: 1            # shown only with -v
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dockyard.modules.args import arg
from dockyard.modules.base import ControllerModule, ModuleContext
from dockyard.modules.registry import register

__all__ = ["DebugModule"]


@dataclass(frozen=True)
class DebugArgs:
    msg: Any = arg("Hello world!", doc="message to print (any value)")
    var: str | None = arg(None, doc="name of a variable (or an expression) to print")
    verbosity: int = arg(0, doc="print only at this -v level or above")


@register
class DebugModule(ControllerModule):
    name = "debug"
    Args = DebugArgs
    exclusive = (("msg", "var"),)
    raw_args = ("var",)

    def execute(self, args: DebugArgs, ctx: ModuleContext) -> dict[str, Any]:
        if args.var is not None:
            value = ctx.render("{{ " + args.var + " }}")
            return {"changed": False, args.var: value, "msg": f"{args.var}: {value!r}",
                    "_verbosity": args.verbosity}
        return {"changed": False, "msg": args.msg, "_verbosity": args.verbosity}
