"""sysctl on a container: the file part fully, the running part where /proc/sys allows it
(reading, and the clear refusal to write a read-only /proc/sys).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.connection import ConnectionOptions, SSHConnection, connect
from dockyard.errors import ModuleError
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost
from tests.lab.fixtures import HostFactory

CONF = "/etc/sysctl.d/60-dockyard.conf"


@pytest.fixture
def host(fresh_host: HostFactory) -> LabHost:
    return fresh_host()


@pytest.fixture
def conn(host: LabHost, tmp_path: Path) -> Iterator[SSHConnection]:
    connection = connect(host.name, {
        "ansible_host": host.address, "ansible_user": host.user,
        "ansible_ssh_private_key_file": str(host.key_path)},
        ConnectionOptions(host_key_checking="off", ssh_config=None, known_hosts=tmp_path / "kh"))
    assert isinstance(connection, SSHConnection)
    yield connection
    connection.close()


def conf(host: LabHost) -> str:
    return host.exec(f"cat {CONF} 2>&1; stat -c %a {CONF} 2>&1").stdout


def test_the_file_alone(host: LabHost, conn: SSHConnection) -> None:
    args = {"name": "vm.swappiness", "value": "10", "sysctl_file": CONF, "reload": False}
    assert_contract(conn, "sysctl", args, {**args, "value": "20"}, lambda: conf(host))
    assert conf(host) == "vm.swappiness=10\n644\n"
    assert_contract(conn, "sysctl", {**args, "state": "absent"}, {**args, "value": "30"}, lambda: conf(host))
    assert conf(host) == "644\n"


def test_a_running_value_that_already_matches_needs_no_write(host: LabHost, conn: SSHConnection) -> None:
    running = host.exec("sysctl -n net.ipv4.ip_forward").stdout.strip()
    outcome = run(conn, "sysctl", {"name": "net.ipv4.ip_forward", "value": running, "sysctl_file": CONF,
                                   "sysctl_set": True})
    assert [s.summary for s in outcome.steps] == [f"set net.ipv4.ip_forward in {CONF}"]
    assert conf(host).startswith(f"net.ipv4.ip_forward={running}\n")


def test_a_read_only_proc_sys_is_refused_before_anything_changes(host: LabHost, conn: SSHConnection) -> None:
    with pytest.raises(ModuleError, match="read-only") as error:
        run(conn, "sysctl", {"name": "vm.swappiness", "value": "11", "sysctl_file": CONF})
    assert error.value.hint is not None and "reload: false" in error.value.hint
    assert "No such file" in conf(host)
