"""pause: wait on the controller for some seconds or minutes (never in check mode).

    - pause:
        seconds: 10
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import ControllerModule, ModuleContext
from dockyard.modules.registry import register

__all__ = ["PauseModule"]


@dataclass(frozen=True)
class PauseArgs:
    seconds: float | None = arg(None, doc="how long to wait")
    minutes: float | None = arg(None, doc="how long to wait, in minutes")
    prompt: str | None = arg(None, doc="accepted; dockyard never waits for keyboard input")
    echo: bool = arg(True, doc="accepted for compatibility")


@register
class PauseModule(ControllerModule):
    name = "pause"
    Args = PauseArgs
    exclusive = (("seconds", "minutes"),)

    def execute(self, args: PauseArgs, ctx: ModuleContext) -> dict[str, Any]:
        seconds = args.seconds if args.seconds is not None else (args.minutes or 0) * 60
        if args.seconds is None and args.minutes is None:
            raise ModuleError("pause needs seconds or minutes here", host=ctx.host,
                              hint="dockyard runs unattended: an open-ended prompt would wait forever")
        if seconds < 0:
            raise ModuleError("pause: the duration must not be negative", host=ctx.host)
        started = time.monotonic()
        if not ctx.check:
            time.sleep(seconds)
        return {"changed": False, "delta": round(time.monotonic() - started, 3),
                "echo": args.echo, "stdout": f"Paused for {seconds:g} seconds"}
