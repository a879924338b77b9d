"""shell on a real host: pipes and redirections, executable, the contract via creates."""

from __future__ import annotations

from dockyard.connection import SSHConnection
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost


def test_redirect_contract(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    shared_host.exec("rm -f /tmp/shell-out /tmp/shell-other", check=True)
    first, _ = assert_contract(
        shared_conn, "shell", {"_raw_params": "echo $((6*7)) | tee /tmp/shell-out", "creates": "/tmp/shell-out"},
        {"cmd": "echo x > /tmp/shell-other", "creates": "/tmp/shell-other"},
        lambda: shared_host.exec("cat /tmp/shell-out /tmp/shell-other 2>&1").stdout)
    assert first.result["stdout"] == "42" and first.result["cmd"] == "echo $((6*7)) | tee /tmp/shell-out"
    assert shared_host.exec("cat /tmp/shell-out").stdout == "42\n"


def test_executable_and_exit_in_the_script(shared_conn: SSHConnection) -> None:
    outcome = run(shared_conn, "shell", {"cmd": "set -o pipefail; false | true", "executable": "/bin/bash"})
    assert outcome.failed and outcome.result["rc"] == 1
    early = run(shared_conn, "shell", {"_raw_params": "echo out; echo err >&2; exit 3"})
    assert early.failed and early.result["rc"] == 3
    assert (early.result["stdout"], early.result["stderr"]) == ("out", "err")
    assert early.result["msg"] == "non-zero return code: err" and early.result["start"]


def test_stdin_and_chdir(shared_conn: SSHConnection) -> None:
    outcome = run(shared_conn, "shell", {"_raw_params": "tr a-z A-Z; pwd", "stdin": "hi", "chdir": "/etc"})
    assert outcome.result["stdout_lines"] == ["HI", "/etc"]
