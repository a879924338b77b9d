"""assert: fail the host unless every condition holds.

    - assert:
        that:
          - ansible_memtotal_mb >= 1024
          - app_port | int > 1024
        fail_msg: "this host is too small"
        success_msg: "ok"
        quiet: false
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dockyard.modules.args import arg
from dockyard.modules.base import ControllerModule, ModuleContext
from dockyard.modules.registry import register

__all__ = ["AssertModule"]


@dataclass(frozen=True)
class AssertArgs:
    that: list[Any] = field(default_factory=list, metadata={"required": True, "doc": "conditions"})
    fail_msg: Any = arg(None, aliases=("msg",), doc="message when a condition fails")
    success_msg: Any = arg(None, doc="message when all hold")
    quiet: bool = arg(False, doc="no message on success")


@register
class AssertModule(ControllerModule):
    name = "assert"
    Args = AssertArgs
    raw_args = ("that",)

    def execute(self, args: AssertArgs, ctx: ModuleContext) -> dict[str, Any]:
        conditions = args.that if isinstance(args.that, list) else [args.that]
        for condition in conditions:
            if not ctx.condition(condition):
                message = args.fail_msg if args.fail_msg is not None else "Assertion failed"
                return {"changed": False, "failed": True, "msg": message, "assertion": condition,
                        "evaluated_to": False}
        message = args.success_msg if args.success_msg is not None else "All assertions passed"
        return {"changed": False, "msg": message}
