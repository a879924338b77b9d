"""wait_for: the wait loop is real /bin/sh here (files only; ports are tested on lab hosts)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from dockyard.connection.local import LocalConnection
from dockyard.errors import ModuleError
from dockyard.modules.args import validate
from dockyard.modules.base import ModuleContext
from dockyard.modules.wait_for import WaitForModule, proc_net_hex, to_ere


def run(raw: dict[str, Any], *, check: bool = False) -> dict[str, Any]:
    module = WaitForModule()
    args = validate(module.Args, raw, module="wait_for")
    ctx = ModuleContext(host="local", check=check)
    probe = module.probe(args, ctx)
    current = module.parse(args, LocalConnection().run(probe) if probe else None, ctx)
    assert module.steps(current, module.desired(args, ctx), args) == []
    return module.result(args, current, current, [], [])


def test_a_file_that_appears_later_is_waited_for(tmp_path: Path) -> None:
    target = tmp_path / "ready"
    timer = threading.Timer(1.2, target.write_text, args=("state: ready 42\n",))
    timer.start()
    try:
        result = run({"path": str(target), "search_regex": r"ready (?P<n>\d+)", "timeout": 10})
    finally:
        timer.cancel()
    assert 1 <= result["elapsed"] <= 5
    assert result["match_groups"] == ["42"] and result["match_groupdict"] == {"n": "42"}


def test_absent_waits_for_removal(tmp_path: Path) -> None:
    target = tmp_path / "lock"
    target.write_text("x")
    threading.Timer(1.0, target.unlink).start()
    assert run({"path": str(target), "state": "absent", "timeout": 10})["elapsed"] >= 1


def test_a_timeout_is_an_error_with_ansibles_message(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(ModuleError, match=f"Timeout when waiting for file {tmp_path}/never"):
        run({"path": str(tmp_path / "never"), "timeout": 1})
    assert time.monotonic() - started < 5
    with pytest.raises(ModuleError, match=r"\] custom$"):
        run({"path": str(tmp_path / "never"), "timeout": 1, "msg": "custom"})


def test_check_mode_does_not_wait(tmp_path: Path) -> None:
    assert run({"path": str(tmp_path / "never"), "timeout": 300}, check=True)["skipped"] is True


@pytest.mark.parametrize(("raw", "message"), [
    ({"port": 1, "path": "/x"}, "can not both"),
    ({"path": "/x", "state": "drained"}, "only be used for checking a port"),
    ({"port": 1, "exclude_hosts": ["10.0.0.1"]}, "only be with state=drained"),
    ({"port": 1, "state": "drained", "active_connection_states": ["BOGUS"]}, "unknown active_connection_state"),
    ({"port": 1, "state": "drained", "exclude_hosts": ["not-an-ip"]}, "does not appear to be"),
])
def test_invalid_combinations(raw: dict[str, Any], message: str) -> None:
    args = validate(WaitForModule.Args, raw, module="wait_for")
    with pytest.raises(ModuleError, match=message):
        WaitForModule().probe(args, ModuleContext(host="h"))


@pytest.mark.parametrize(("regex", "ere"), [
    (r"^(?P<user>\w+):x:(\d+)", r"^(\w+):x:([0-9]+)"),
    (r"[\d.]+ (?:ok|fine)\D", r"[0-9.]+ (ok|fine)[^0-9]"),
    (r"a\.b\\d", r"a\.b\\d"),
])
def test_to_ere(regex: str, ere: str) -> None:
    assert to_ere(regex) == ere


def test_proc_net_hex_matches_the_kernels_format() -> None:
    # /proc/net/tcp prints 127.0.0.1 as 0100007F on little-endian hosts
    assert proc_net_hex("127.0.0.1") == ["0100007F", "0000000000000000FFFF00000100007F"]
    assert proc_net_hex("::1") == ["00000000000000000000000001000000"]
