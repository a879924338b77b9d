"""command on a real host: the contract through creates, Ansible's result fields,
no shell, $VAR expansion, chdir/stdin/removes, and failures with stderr."""

from __future__ import annotations

import re

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import DockyardError
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost

MOMENT = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")


def listing(host: LabHost) -> str:
    return host.exec("ls -l --time-style=+ /tmp | grep command- || true").stdout


def test_creates_contract(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    shared_host.exec("rm -f /tmp/command-made /tmp/command-other", check=True)
    first, checked = assert_contract(
        shared_conn, "command", {"_raw_params": "touch /tmp/command-made", "creates": "/tmp/command-made"},
        {"_raw_params": "touch /tmp/command-other", "creates": "/tmp/command-other"},
        lambda: listing(shared_host))
    assert first.result["cmd"] == ["touch", "/tmp/command-made"] and first.result["rc"] == 0
    assert checked.result["msg"] == "Command would have run if not in check mode"
    skipped = run(shared_conn, "command", {"_raw_params": "touch /tmp/command-made", "creates": "/tmp/command-m*"})
    assert not skipped.changed and skipped.result["msg"] == "Did not run command since '/tmp/command-m*' exists"
    assert skipped.result["stdout_lines"] == ["skipped, since /tmp/command-m* exists"]


def test_result_fields(shared_conn: SSHConnection) -> None:
    outcome = run(shared_conn, "command", {"_raw_params": "printf 'a\\nb\\n\\n'"})
    result = outcome.result
    assert outcome.changed and not result["failed"]
    assert (result["stdout"], result["stdout_lines"], result["stderr"]) == ("a\nb", ["a", "b"], "")
    assert MOMENT.match(result["start"]) and MOMENT.match(result["end"])
    assert re.match(r"^0:00:0\d\.\d{6}$", result["delta"])
    kept = run(shared_conn, "command", {"argv": ["printf", "%s|", "two words", "$HOME"], "strip_empty_ends": False,
                                        "expand_argument_vars": False})
    assert kept.result["stdout"] == "two words|$HOME|"


def test_no_shell_but_variables_expand(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    shared_host.exec("rm -f /tmp/command-redirect", check=True)
    outcome = run(shared_conn, "command", {"_raw_params": "echo $HOME ~ $NOT_SET_VAR 'a  b' > /tmp/command-redirect"})
    assert outcome.result["stdout"] == "/root /root $NOT_SET_VAR a  b > /tmp/command-redirect"
    assert shared_host.exec("ls /tmp/command-redirect 2>&1").returncode != 0


def test_chdir_stdin_and_removes(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    shared_host.exec("mkdir -p /tmp/command-dir && touch /tmp/command-dir/flag", check=True)
    outcome = run(shared_conn, "command", {"cmd": "cat", "stdin": "from stdin", "chdir": "/tmp/command-dir",
                                           "removes": "flag"})
    assert outcome.changed and outcome.result["stdout"] == "from stdin"
    where = run(shared_conn, "command", {"_raw_params": "pwd", "chdir": "/tmp/command-dir"})
    assert where.result["stdout"] == "/tmp/command-dir"
    skipped = run(shared_conn, "command", {"_raw_params": "rm flag", "chdir": "/tmp/command-dir", "removes": "nothing"})
    assert not skipped.changed and "does not exist" in skipped.result["msg"]


def test_failure_keeps_output(shared_conn: SSHConnection) -> None:
    outcome = run(shared_conn, "command", {"argv": ["ls", "/no/such/dir"]})
    result = outcome.result
    assert result["failed"] and result["rc"] == 2
    assert result["msg"].startswith("non-zero return code: ls: cannot access '/no/such/dir'")
    assert result["stderr_lines"] == ["ls: cannot access '/no/such/dir': No such file or directory"]
    assert result["cmd"] == ["ls", "/no/such/dir"] and result["delta"]
    missing = run(shared_conn, "command", {"_raw_params": "pwd", "chdir": "/no/such/dir"})
    assert missing.failed and "Unable to change directory" in missing.result["msg"]


def test_bad_arguments_fail_before_running(shared_conn: SSHConnection) -> None:
    with pytest.raises(DockyardError, match="exclude each other"):
        run(shared_conn, "command", {"_raw_params": "true", "argv": ["true"]})
    with pytest.raises(DockyardError, match="needs one of: _raw_params, cmd, argv"):
        run(shared_conn, "command", {"chdir": "/tmp"})
    with pytest.raises(DockyardError, match="No closing quotation"):
        run(shared_conn, "command", {"_raw_params": "echo 'oops"})
