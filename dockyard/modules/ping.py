"""ping: prove the host can be reached and runs a shell command (no Python needed).

    - ping:
        data: pong
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import HostModule, ModuleContext, Step, q
from dockyard.modules.registry import register

__all__ = ["PingModule"]


@dataclass(frozen=True)
class PingArgs:
    data: str = arg("pong", doc="what to answer; 'crash' makes the task fail, as in Ansible")


@register
class PingModule(HostModule[PingArgs, str]):
    name = "ping"
    Args = PingArgs

    def probe(self, args: PingArgs, ctx: ModuleContext) -> str:
        return f"printf %s {q(args.data)}"

    def parse(self, args: PingArgs, output: CommandResult | None, ctx: ModuleContext) -> str:
        if output is None or output.rc != 0:
            raise ModuleError("the host did not answer the ping command", host=ctx.host)
        if args.data == "crash":
            raise ModuleError("boom", host=ctx.host)
        return output.text()

    def desired(self, args: PingArgs, ctx: ModuleContext) -> str:
        return args.data

    def steps(self, current: str, desired: str, args: PingArgs) -> list[Step]:
        return []

    def result(self, args: PingArgs, current: str, desired: str, steps: Sequence[Step],
               ran: Sequence[CommandResult]) -> dict[str, Any]:
        return {"ping": current}
