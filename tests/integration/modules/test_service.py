"""service on hosts without systemd: a real init.d script managing a real (sleeping) daemon.

The script is written the naive way (its daemon inherits stdout) on purpose: the module
must not let such a daemon hold the SSH channel open.
"""

from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost

INIT_SCRIPT = r"""#!/bin/sh
### BEGIN INIT INFO
# Provides:          dyfake
# Required-Start:
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: a sleeping daemon for dockyard's service tests
### END INIT INFO
PIDFILE=/run/dyfake.pid
running() { [ -f $PIDFILE ] && kill -0 "$(cat $PIDFILE)" 2>/dev/null; }
case "$1" in
  start) running && exit 0; echo "starting dyfake"; sleep 100000 & echo $! > $PIDFILE ;;
  stop) running && kill "$(cat $PIDFILE)"; rm -f $PIDFILE ;;
  restart) "$0" stop; "$0" start ;;
  reload) running || exit 7; date +%s%N > /run/dyfake.reloaded ;;
  status) running && exit 0; exit 3 ;;
  *) echo "usage: $0 start|stop|restart|reload|status"; exit 2 ;;
esac
"""


@pytest.fixture
def own_host(own_host: LabHost) -> LabHost:
    """A host of this test alone with the dyfake init script installed."""
    own_host.exec(f"cat > /etc/init.d/dyfake <<'EOF'\n{INIT_SCRIPT}EOF\nchmod 755 /etc/init.d/dyfake", check=True)
    return own_host


def state(host: LabHost) -> str:
    """Seen from outside: is the daemon's process alive, which rc links exist."""
    return host.exec("if [ -f /run/dyfake.pid ] && kill -0 $(cat /run/dyfake.pid); then echo running; "
                     "else echo stopped; fi; ls /etc/rc*.d | grep dyfake | sort").stdout


def test_start_and_enable(own_host: LabHost, own_conn: SSHConnection) -> None:
    first, checked = assert_contract(own_conn, "service", {"name": "dyfake", "state": "started", "enabled": True},
                                     {"name": "dyfake", "state": "stopped", "enabled": False},
                                     lambda: state(own_host))
    assert state(own_host).startswith("running\n") and "S01dyfake" in state(own_host)
    assert first.result["state"] == "started" and first.result["enabled"] is True
    assert [s.summary for s in checked.steps] == ["disable dyfake at boot", "stop dyfake"]


def test_stop_and_disable(own_host: LabHost, own_conn: SSHConnection) -> None:
    run(own_conn, "service", {"name": "dyfake", "state": "started", "enabled": True})
    assert_contract(own_conn, "service", {"name": "dyfake", "state": "stopped", "enabled": False},
                    {"name": "dyfake", "state": "started"}, lambda: state(own_host))
    assert state(own_host).startswith("stopped\n") and "K01dyfake" in state(own_host) and "S01dyfake" not in state(own_host)


def test_restarted_and_reloaded_are_always_changes(own_host: LabHost, own_conn: SSHConnection) -> None:
    run(own_conn, "service", {"name": "dyfake", "state": "started"})
    pid = own_host.exec("cat /run/dyfake.pid").stdout
    for _ in range(2):
        assert run(own_conn, "service", {"name": "dyfake", "state": "restarted"}).changed
    assert own_host.exec("cat /run/dyfake.pid").stdout != pid
    assert run(own_conn, "service", {"name": "dyfake", "state": "reloaded"}).changed
    assert own_host.exec("cat /run/dyfake.reloaded").returncode == 0


def test_pattern_decides_running_by_process(own_host: LabHost, own_conn: SSHConnection) -> None:
    own_host.exec("sleep 100000 >/dev/null 2>&1 &", check=True)
    outcome = run(own_conn, "service", {"name": "dyfake", "state": "started", "pattern": "^sleep 100000$"})
    assert not outcome.changed and state(own_host).startswith("stopped\n")


def test_a_missing_service_fails_clearly(own_conn: SSHConnection) -> None:
    with pytest.raises(ModuleError, match="could not find the requested service nosuch"):
        run(own_conn, "service", {"name": "nosuch", "state": "started"})
