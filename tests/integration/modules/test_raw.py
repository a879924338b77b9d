"""raw on a real host: sent as is, output kept as is, failures with stderr, check mode."""

from __future__ import annotations

from dockyard.connection import SSHConnection
from tests.integration.modules.contract import run
from tests.lab import LabHost


def test_runs_as_is(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    shared_host.exec("rm -f /tmp/raw-made", check=True)
    outcome = run(shared_conn, "raw", {"_raw_params": "echo made > /tmp/raw-made; printf 'a\\n\\n'"})
    assert outcome.changed and outcome.result["rc"] == 0
    assert (outcome.result["stdout"], outcome.result["stdout_lines"]) == ("a\n\n", ["a", ""])
    assert shared_host.exec("cat /tmp/raw-made").stdout == "made\n"
    assert [step.command for step in outcome.steps] == ["echo made > /tmp/raw-made; printf 'a\\n\\n'"]


def test_check_mode_runs_nothing(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    shared_host.exec("rm -f /tmp/raw-check", check=True)
    outcome = run(shared_conn, "raw", {"_raw_params": "touch /tmp/raw-check"}, check=True)
    assert outcome.changed and not outcome.ran
    assert shared_host.exec("ls /tmp/raw-check 2>&1").returncode != 0


def test_executable_and_failure(shared_conn: SSHConnection) -> None:
    bash = run(shared_conn, "raw", {"_raw_params": "echo $BASH_VERSION", "executable": "/bin/bash"})
    assert bash.result["stdout"].strip()
    failed = run(shared_conn, "raw", {"_raw_params": "echo partial; echo broken >&2; exit 4"})
    assert failed.failed and failed.result["rc"] == 4
    assert failed.result["msg"] == "non-zero return code: broken"
    assert failed.result["stdout_lines"] == ["partial"]
