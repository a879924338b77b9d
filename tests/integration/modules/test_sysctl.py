"""sysctl on a container: the file part fully, the running part where /proc/sys allows it
(reading, and the clear refusal to write a read-only /proc/sys).
"""

from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost

CONF = "/etc/sysctl.d/60-dockyard.conf"


def conf(host: LabHost) -> str:
    return host.exec(f"cat {CONF} 2>&1; stat -c %a {CONF} 2>&1").stdout


def test_the_file_alone(own_host: LabHost, own_conn: SSHConnection) -> None:
    args = {"name": "vm.swappiness", "value": "10", "sysctl_file": CONF, "reload": False}
    assert_contract(own_conn, "sysctl", args, {**args, "value": "20"}, lambda: conf(own_host))
    assert conf(own_host) == "vm.swappiness=10\n644\n"
    assert_contract(own_conn, "sysctl", {**args, "state": "absent"}, {**args, "value": "30"}, lambda: conf(own_host))
    assert conf(own_host) == "644\n"


def test_a_running_value_that_already_matches_needs_no_write(own_host: LabHost, own_conn: SSHConnection) -> None:
    running = own_host.exec("sysctl -n net.ipv4.ip_forward").stdout.strip()
    outcome = run(own_conn, "sysctl", {"name": "net.ipv4.ip_forward", "value": running, "sysctl_file": CONF,
                                       "sysctl_set": True})
    assert [s.summary for s in outcome.steps] == [f"set net.ipv4.ip_forward in {CONF}"]
    assert conf(own_host).startswith(f"net.ipv4.ip_forward={running}\n")


def test_a_read_only_proc_sys_is_refused_before_anything_changes(own_host: LabHost, own_conn: SSHConnection) -> None:
    with pytest.raises(ModuleError, match="read-only") as error:
        run(own_conn, "sysctl", {"name": "vm.swappiness", "value": "11", "sysctl_file": CONF})
    assert error.value.hint is not None and "reload: false" in error.value.hint
    assert "No such file" in conf(own_host)
