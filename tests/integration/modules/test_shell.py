"""shell on a real host: pipes and redirections, executable, the contract via creates."""

from __future__ import annotations

from dockyard.connection import SSHConnection
from tests.integration.modules import test_file
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost

conn, host = test_file.conn, test_file.host  # the lab host and SSH connection fixtures


def test_redirect_contract(host: LabHost, conn: SSHConnection) -> None:
    host.exec("rm -f /tmp/shell-out /tmp/shell-other", check=True)
    first, _ = assert_contract(
        conn, "shell", {"_raw_params": "echo $((6*7)) | tee /tmp/shell-out", "creates": "/tmp/shell-out"},
        {"cmd": "echo x > /tmp/shell-other", "creates": "/tmp/shell-other"},
        lambda: host.exec("cat /tmp/shell-out /tmp/shell-other 2>&1").stdout)
    assert first.result["stdout"] == "42" and first.result["cmd"] == "echo $((6*7)) | tee /tmp/shell-out"
    assert host.exec("cat /tmp/shell-out").stdout == "42\n"


def test_executable_and_exit_in_the_script(conn: SSHConnection) -> None:
    outcome = run(conn, "shell", {"cmd": "set -o pipefail; false | true", "executable": "/bin/bash"})
    assert outcome.failed and outcome.result["rc"] == 1
    early = run(conn, "shell", {"_raw_params": "echo out; echo err >&2; exit 3"})
    assert early.failed and early.result["rc"] == 3
    assert (early.result["stdout"], early.result["stderr"]) == ("out", "err")
    assert early.result["msg"] == "non-zero return code: err" and early.result["start"]


def test_stdin_and_chdir(conn: SSHConnection) -> None:
    outcome = run(conn, "shell", {"_raw_params": "tr a-z A-Z; pwd", "stdin": "hi", "chdir": "/etc"})
    assert outcome.result["stdout_lines"] == ["HI", "/etc"]
