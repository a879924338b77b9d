"""The module contract, checked against a real host.

    apply          -> changed, and the host is as declared
    apply again    -> ok (zero changes)
    check, changed -> reports changed, and the host is byte-for-byte untouched

``snapshot`` (:func:`file_snapshot`, or a test's own) reads the host state from outside
dockyard (docker exec), so the check is independent of the module's own probe. ``open_connection`` is how every test here reaches
a lab host: dockyard's own SSH connection, as an inventory would describe the host.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from dockyard.connection import ConnectionOptions, SSHConnection, connect
from dockyard.connection.base import Become, Connection
from dockyard.engine.execute import ModuleOutcome, execute_module, load_module
from dockyard.modules.base import ModuleContext
from tests.lab import LabHost

#: The ``connect_to`` fixture (conftest.py): a connection to a lab host, closed after the test.
ConnectTo = Callable[[LabHost], SSHConnection]


def open_connection(host: LabHost, tmp_path: Path) -> SSHConnection:
    """dockyard's SSH connection to ``host`` with the lab key; its host key is learnt into
    ``tmp_path/kh`` (no checking: lab hosts are new containers). The caller closes it."""
    variables = {"ansible_host": host.address, "ansible_user": host.user,
                 "ansible_ssh_private_key_file": str(host.key_path)}
    options = ConnectionOptions(host_key_checking="off", ssh_config=None, known_hosts=tmp_path / "kh")
    connection = connect(host.name, variables, options)
    assert isinstance(connection, SSHConnection)
    return connection


def file_snapshot(host: LabHost, path: str) -> str:
    """Mode, owner, size and bytes of the file at ``path``, read with docker exec."""
    return host.exec(f"stat -c '%a %U %s' {path} 2>&1; od -c {path} 2>&1").stdout


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
