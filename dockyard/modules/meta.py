"""meta: instructions to the engine itself, which carries them out.

    - meta: flush_handlers      # run notified handlers now
    - meta: end_play            # stop the play for every host
    - meta: end_host            # stop the play for this host
    - meta: clear_facts | clear_host_errors | refresh_inventory | reset_connection | noop
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dockyard.modules.args import arg
from dockyard.modules.base import ControllerModule, ModuleContext
from dockyard.modules.registry import register

__all__ = ["META_ACTIONS", "MetaModule"]

META_ACTIONS = ("flush_handlers", "end_play", "end_host", "end_batch", "clear_facts",
                "clear_host_errors", "refresh_inventory", "reset_connection", "noop")


@dataclass(frozen=True)
class MetaArgs:
    _raw_params: str = arg(required=True, choices=META_ACTIONS, doc="what the engine should do")


@register
class MetaModule(ControllerModule):
    name = "meta"
    Args = MetaArgs

    def execute(self, args: MetaArgs, ctx: ModuleContext) -> dict[str, Any]:
        return {"changed": False, "meta": args._raw_params}
