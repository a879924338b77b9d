"""script on a real host: interpreter from #!, arguments as written, creates/removes,
chdir, the temp copy removed, failures and a missing script."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from dockyard.modules.base import ModuleContext
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost


@pytest.fixture
def ctx(shared_conn: SSHConnection, tmp_path: Path) -> ModuleContext:
    files = tmp_path / "files"
    files.mkdir()
    (files / "make.sh").write_text('#!/bin/sh\necho "args: $# [$1] [$2]"\npwd\ntouch "$3"\n')
    (files / "noshebang").write_text("echo plain sh\n")
    (files / "hello.py").write_text("#!/usr/bin/env python3\nimport sys\nprint('py', sys.argv[1:])\n")
    (files / "fail.sh").write_text("#!/bin/sh\necho out\necho 'it broke' >&2\nexit 5\n")
    return ModuleContext(host=shared_conn.host, search_paths=(tmp_path,))


def test_creates_contract(shared_host: LabHost, shared_conn: SSHConnection, ctx: ModuleContext) -> None:
    shared_host.exec("rm -f /tmp/script-made /tmp/script-other", check=True)
    first, _ = assert_contract(
        shared_conn, "script", {"_raw_params": "make.sh 'two words' $HOME /tmp/script-made", "creates": "/tmp/script-made",
                                "chdir": "/etc"},
        {"cmd": "make.sh a b /tmp/script-other", "creates": "/tmp/script-other"},
        lambda: shared_host.exec("ls /tmp | grep script- || true").stdout, ctx=ctx)
    assert first.result["stdout_lines"] == ["args: 3 [two words] [/root]", "/etc"]
    skipped = run(shared_conn, "script", {"_raw_params": "make.sh", "creates": "/tmp/script-made"}, ctx=ctx)
    assert skipped.result["skipped"] and skipped.result["msg"] == "/tmp/script-made exists, matching creates option"
    assert shared_host.exec("ls -a /tmp | grep -c dockyard-script || true").stdout == "0\n"


def test_interpreters(shared_conn: SSHConnection, ctx: ModuleContext) -> None:
    assert run(shared_conn, "script", {"_raw_params": "hello.py x"}, ctx=ctx).result["stdout"] == "py ['x']\n"
    assert run(shared_conn, "script", {"_raw_params": "noshebang"}, ctx=ctx).result["stdout"] == "plain sh\n"
    forced = run(shared_conn, "script", {"_raw_params": "noshebang", "executable": "bash -x"}, ctx=ctx)
    assert "+ echo plain sh" in forced.result["stderr"]


def test_failures(shared_conn: SSHConnection, ctx: ModuleContext) -> None:
    failed = run(shared_conn, "script", {"_raw_params": "fail.sh"}, ctx=ctx)
    assert failed.failed and failed.result["rc"] == 5
    assert failed.result["msg"] == "non-zero return code: it broke" and failed.result["stdout"] == "out\n"
    with pytest.raises(ModuleError, match=r"could not find 'missing\.sh'"):
        run(shared_conn, "script", {"_raw_params": "missing.sh"}, ctx=ctx)
    with pytest.raises(ModuleError, match="must be an absolute path"):
        run(shared_conn, "script", {"_raw_params": "make.sh", "chdir": "relative"}, ctx=ctx)
    skipped = run(shared_conn, "script", {"_raw_params": "fail.sh", "removes": "/tmp/script-nothing-here"}, ctx=ctx)
    assert not skipped.changed and skipped.result["skipped"]
