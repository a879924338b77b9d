"""wait_for_connection: wait until the host answers over its connection again
(``ansible.builtin.wait_for_connection``).

Arguments::

    - wait_for_connection:
        delay: 0             # seconds before the first attempt
        sleep: 1             # seconds between attempts
        timeout: 600         # give up after this many seconds
        connect_timeout: 5   # seconds one attempt may take (connecting, then the command)

Runs on the controller: each attempt (re)opens the host's connection and runs ``true``
there; the first that succeeds ends the wait. A failed attempt closes the connection,
so the next one starts afresh (after a reboot, or sshd restarted). The task never
reports a change; in check mode it does not wait and reports ``skipped``, as in Ansible.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from dockyard.connection.base import Connection
from dockyard.errors import ConnectError, ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import ControllerModule, ModuleContext
from dockyard.modules.registry import register

__all__ = ["WaitForConnectionArgs", "WaitForConnectionModule"]


@dataclass(frozen=True)
class WaitForConnectionArgs:
    delay: float = arg(0, doc="seconds to wait before the first attempt")
    sleep: float = arg(1, doc="seconds between attempts")
    timeout: float = arg(600, doc="seconds to wait at most")
    connect_timeout: float = arg(5, doc="seconds one attempt may take")


def _attempt(ctx: ModuleContext, limit: float) -> str | None:
    """One try: connect and run ``true``; None when it worked, else why not."""
    assert ctx.connect is not None
    conn: Connection | None = None
    try:
        conn = ctx.connect(timeout=limit)
        result = conn.run("true", timeout=limit)
    except ConnectError as error:
        return error.message
    if result.rc == 0:
        return None
    conn.close()  # a hung or broken session: the next attempt reconnects
    return f"'true' exited with {result.rc}: {result.tail()}"


@register
class WaitForConnectionModule(ControllerModule):
    name = "wait_for_connection"
    Args = WaitForConnectionArgs

    def execute(self, args: WaitForConnectionArgs, ctx: ModuleContext) -> dict[str, Any]:
        if ctx.check:
            return {"changed": False, "skipped": True, "msg": "wait_for_connection does not wait in check mode"}
        if ctx.connect is None:
            raise ModuleError("wait_for_connection needs the host's connection", host=ctx.host)
        started = time.monotonic()
        if args.delay > 0:
            time.sleep(args.delay)
        deadline = started + args.timeout
        while True:
            remaining = deadline - time.monotonic()
            problem = _attempt(ctx, max(min(args.connect_timeout, remaining), 0.1))
            if problem is None:
                return {"changed": False, "elapsed": int(time.monotonic() - started)}
            if time.monotonic() + args.sleep >= deadline:
                raise ModuleError(f"timed out waiting for connection: {problem}", host=ctx.host,
                                  hint=f"the host did not answer within {args.timeout:g}s")
            time.sleep(args.sleep)
