"""fail: fail the host with a message (usually with ``when``).

    - fail:
        msg: "unsupported distribution {{ ansible_distribution }}"
      when: ansible_os_family != "Debian"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dockyard.modules.args import arg
from dockyard.modules.base import ControllerModule, ModuleContext
from dockyard.modules.registry import register

__all__ = ["FailModule"]


@dataclass(frozen=True)
class FailArgs:
    msg: Any = arg("Failed as requested from task", doc="why")


@register
class FailModule(ControllerModule):
    name = "fail"
    Args = FailArgs

    def execute(self, args: FailArgs, ctx: ModuleContext) -> dict[str, Any]:
        return {"changed": False, "failed": True, "msg": args.msg}
