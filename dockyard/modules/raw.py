"""raw: send a command line to the host as it is (through its /bin/sh), nothing added.

Arguments (``ansible.builtin.raw``)::

    - raw: test -e /usr/bin/python3 || apt-get install -y python3
    - raw: echo $0
      args:
        executable: /bin/bash      # runs `EXECUTABLE -c COMMAND` instead

The result has ``rc``, ``stdout``, ``stdout_lines``, ``stderr``, ``stderr_lines`` (not
stripped) and ``changed: true``; a non-zero exit fails the task. In check mode raw never
runs (its effect cannot be known, ``predictable = False``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Action, HostModule, ModuleContext, Step, q
from dockyard.modules.command import CommandState, OutputAsIsFailures, output_fields
from dockyard.modules.registry import register

__all__ = ["RawArgs", "RawModule"]


@dataclass(frozen=True)
class RawArgs:
    _raw_params: str = arg(required=True, doc="the command line, sent as it is")
    executable: str | None = arg(None, doc="the shell to run it with (absolute path)")


@register
class RawModule(OutputAsIsFailures, HostModule[RawArgs, CommandState]):
    name = "raw"
    Args = RawArgs
    predictable = False

    def probe(self, args: RawArgs, ctx: ModuleContext) -> None:
        if not args._raw_params.strip():
            raise ModuleError("raw needs a command", hint="write 'raw: COMMAND'")
        return None

    def parse(self, args: RawArgs, output: CommandResult | None, ctx: ModuleContext) -> CommandState:
        return CommandState(check=ctx.check)

    def desired(self, args: RawArgs, ctx: ModuleContext) -> CommandState:
        return CommandState(check=ctx.check)

    def steps(self, current: CommandState, desired: CommandState, args: RawArgs) -> list[Step]:
        command = args._raw_params
        if args.executable:
            command = f"{q(args.executable)} -c {q(command)}"
        summary = args._raw_params if len(args._raw_params) <= 120 else args._raw_params[:117] + "..."
        return [Step(Action.RUN, f"raw {summary}", command)]

    def result(self, args: RawArgs, current: CommandState, desired: CommandState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        if not ran:
            return {"msg": "raw does not run in check mode"}
        return output_fields(ran[-1])
