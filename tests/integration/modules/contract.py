"""The module contract, checked against a real host.

    apply          -> changed, and the host is as declared
    apply again    -> ok (zero changes)
    check, changed -> reports changed, and the host is byte-for-byte untouched

``snapshot`` reads the host state from outside dockyard (docker exec), so the check is
independent of the module's own probe.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dockyard.connection.base import Become, Connection
from dockyard.engine.execute import ModuleOutcome, execute_module, load_module
from dockyard.modules.base import ModuleContext


def run(
    conn: Connection, module: str, args: Mapping[str, Any], *, check: bool = False,
    become: bool = True, diff: bool = True, ctx: ModuleContext | None = None,
) -> ModuleOutcome:
    context = ctx or ModuleContext(host=conn.host, diff=diff)
    return execute_module(load_module(module), args, conn, context, check=check,
                          become=Become() if become else None)


def assert_contract(
    conn: Connection,
    module: str,
    args: Mapping[str, Any],
    changed_args: Mapping[str, Any],
    snapshot: Callable[[], str],
    *,
    ctx: ModuleContext | None = None,
) -> tuple[ModuleOutcome, ModuleOutcome]:
    """Apply ``args`` twice, then check ``changed_args``; return the first apply and the check."""
    before = snapshot()
    first = run(conn, module, args, ctx=ctx)
    assert not first.failed, first.result
    assert first.changed, f"first apply of {module} reported no change: {first.result}"
    applied = snapshot()
    assert applied != before, f"{module} reported a change but the host state is the same"
    second = run(conn, module, args, ctx=ctx)
    assert not second.failed, second.result
    assert not second.changed, f"second apply of {module} changed again: {second.steps}"
    assert snapshot() == applied
    checked = run(conn, module, changed_args, check=True, ctx=ctx)
    assert not checked.failed, checked.result
    assert checked.changed, f"check mode of {module} with changed input reported no change"
    assert not checked.ran, "check mode ran a step"
    assert snapshot() == applied, "check mode changed the host"
    return first, checked
