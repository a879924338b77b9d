"""wait_for on lab hosts: ports through bash's /dev/tcp and through /proc/net/tcp (no bash),
files, and timeouts. Nothing here changes a host, so the shared hosts serve, except where a
listener is started.
"""

from __future__ import annotations

import re
import threading

import pytest

from dockyard.connection import SSHConnection
from dockyard.connection.base import Become
from dockyard.engine.execute import ModuleOutcome, execute_module, load_module
from dockyard.errors import ModuleError
from dockyard.modules.base import ModuleContext
from tests.integration.modules.contract import run
from tests.lab import LabHost

LISTEN = "setsid nohup python3 -m http.server 8123 --bind 127.0.0.1 >/dev/null 2>&1 &"


def test_sshd_port_and_banner_on_a_shared_host(shared_conn: SSHConnection) -> None:
    assert not run(shared_conn, "wait_for", {"port": 22, "timeout": 10}).changed
    banner = run(shared_conn, "wait_for", {"port": 22, "search_regex": "^SSH-2\\.0-OpenSSH", "timeout": 10})
    assert banner.result["elapsed"] <= 2
    with pytest.raises(ModuleError, match=re.escape("Timeout when waiting for 127.0.0.1:8999")):
        run(shared_conn, "wait_for", {"port": 8999, "timeout": 2})


def test_a_port_that_opens_later_and_closes_again(own_host: LabHost, own_conn: SSHConnection) -> None:
    threading.Timer(1.5, own_host.exec, args=(LISTEN,)).start()
    outcome = run(own_conn, "wait_for", {"port": 8123, "timeout": 20})
    assert not outcome.changed and not outcome.failed and outcome.result["elapsed"] >= 1
    threading.Timer(1.5, own_host.exec, args=("pkill -f 'http.server 8123'",)).start()
    stopped = run(own_conn, "wait_for", {"port": 8123, "state": "stopped", "timeout": 20})
    assert stopped.result["elapsed"] >= 1


def test_without_bash_or_nc_a_local_port_is_read_from_proc(own_host: LabHost, own_conn: SSHConnection) -> None:
    # a PATH with the POSIX tools the loop uses, but neither bash nor nc
    own_host.exec("mkdir -p /opt/posix && for t in sh date sleep cat awk grep head; do "
                  "ln -s $(command -v $t) /opt/posix/$t; done", check=True)
    own_host.exec(LISTEN, check=True)

    def wait(args: dict[str, object]) -> ModuleOutcome:
        return execute_module(load_module("wait_for"), args, own_conn, ModuleContext(host=own_host.name),
                              become=Become(), env={"PATH": "/opt/posix"})

    assert not wait({"port": 8123, "timeout": 10}).failed
    with pytest.raises(ModuleError, match=re.escape("Timeout when waiting for 127.0.0.1:8124")):
        wait({"port": 8124, "timeout": 1})
    with pytest.raises(ModuleError, match=re.escape(f"cannot check {own_host.address}:22")):
        wait({"host": own_host.address, "port": 22, "timeout": 1})


def test_drained_counts_connections_to_the_port(own_host: LabHost, own_conn: SSHConnection) -> None:
    with pytest.raises(ModuleError, match="to drain"):
        run(own_conn, "wait_for", {"port": 22, "state": "drained", "timeout": 1})
    own_host.exec(LISTEN, check=True)
    assert not run(own_conn, "wait_for", {"port": 8123, "state": "drained", "timeout": 5}).failed


def test_a_file_with_a_regex(own_host: LabHost, own_conn: SSHConnection) -> None:
    threading.Timer(1.0, own_host.exec, args=("echo 'listening on port 5432' > /tmp/app.log",)).start()
    outcome = run(own_conn, "wait_for", {"path": "/tmp/app.log", "search_regex": r"port (\d+)", "timeout": 20})
    assert outcome.result["match_groups"] == ["5432"]


@pytest.mark.apt
def test_with_nc_installed(own_host: LabHost, own_conn: SSHConnection) -> None:
    own_host.exec("apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q netcat-openbsd",
                  check=True, timeout=600)
    own_host.exec(LISTEN, check=True)
    assert not run(own_conn, "wait_for", {"port": 8123, "timeout": 10}).failed
    banner = run(own_conn, "wait_for", {"port": 22, "search_regex": "OpenSSH", "timeout": 10, "connect_timeout": 2})
    assert not banner.failed
    with pytest.raises(ModuleError, match=re.escape("Timeout when waiting for 127.0.0.1:8124")):
        run(own_conn, "wait_for", {"port": 8124, "timeout": 1})
