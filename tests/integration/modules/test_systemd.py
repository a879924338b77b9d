"""systemd and service on a real systemd host (the lab's systemd kind: systemd as PID 1 in a
container), and the clear error on a plain lab host where systemd is not running.

State is read from outside with `docker exec systemctl ...`, not through dockyard.
"""

from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from tests.integration.modules.contract import ConnectTo, assert_contract, run
from tests.lab import SYSTEMD_HOST, LabHost
from tests.lab.fixtures import HostFactory

UNIT = "/etc/systemd/system/lab-sleeper.service"
UNIT_TEXT = """[Unit]
Description=dockyard lab sleeper ({version})
[Service]
ExecStart=/bin/sleep infinity
[Install]
WantedBy=multi-user.target
"""


@pytest.fixture
def systemd_host(fresh_host: HostFactory) -> LabHost:
    return fresh_host(SYSTEMD_HOST)


@pytest.fixture
def systemd_conn(systemd_host: LabHost, connect_to: ConnectTo) -> SSHConnection:
    return connect_to(systemd_host)


def unit_state(host: LabHost, unit: str) -> str:
    """ActiveState, enablement and main PID as systemctl reports them (docker exec)."""
    return host.exec(f"systemctl is-active {unit}; systemctl is-enabled {unit}; "
                     f"systemctl show -p MainPID -p Description --value {unit}").stdout


def test_started_and_enabled_contract(systemd_host: LabHost, systemd_conn: SSHConnection) -> None:
    systemd_host.exec("systemctl disable --now cron", check=True)
    assert_contract(systemd_conn, "systemd", {"name": "cron", "state": "started", "enabled": True},
                    {"name": "cron", "state": "stopped"}, lambda: unit_state(systemd_host, "cron"))
    assert unit_state(systemd_host, "cron").startswith("active\nenabled\n")
    assert_contract(systemd_conn, "service", {"name": "cron", "state": "stopped", "enabled": False},
                    {"name": "cron", "state": "started"}, lambda: unit_state(systemd_host, "cron"))
    assert unit_state(systemd_host, "cron").startswith("inactive\ndisabled\n")


def test_restarted_changes_the_main_pid_every_time(systemd_host: LabHost, systemd_conn: SSHConnection) -> None:
    run(systemd_conn, "systemd", {"name": "cron", "state": "started"})
    before = unit_state(systemd_host, "cron")
    checked = run(systemd_conn, "systemd", {"name": "cron", "state": "restarted"}, check=True)
    assert checked.changed and unit_state(systemd_host, "cron") == before
    for _ in range(2):
        assert run(systemd_conn, "systemd", {"name": "cron", "state": "restarted"}).changed
        after = unit_state(systemd_host, "cron")
        assert after.startswith("active\n") and after != before
        before = after


def test_daemon_reload_picks_up_a_new_and_a_changed_unit(systemd_host: LabHost,
                                                          systemd_conn: SSHConnection) -> None:
    systemd_host.exec(f"printf '%s' '{UNIT_TEXT.format(version=1)}' > {UNIT}", check=True)
    args = {"name": "lab-sleeper", "state": "started", "enabled": True, "daemon_reload": True}
    first = run(systemd_conn, "systemd", args)
    assert first.changed and unit_state(systemd_host, "lab-sleeper").startswith("active\nenabled\n")
    assert not run(systemd_conn, "systemd", args).changed
    systemd_host.exec(f"printf '%s' '{UNIT_TEXT.format(version=2)}' > {UNIT}", check=True)
    before = unit_state(systemd_host, "lab-sleeper")
    checked = run(systemd_conn, "systemd", args, check=True)
    assert checked.changed and unit_state(systemd_host, "lab-sleeper") == before
    assert any("daemon-reload" in step.command for step in checked.steps)
    assert run(systemd_conn, "systemd", args).changed
    assert "(2)" in unit_state(systemd_host, "lab-sleeper")
    assert not run(systemd_conn, "systemd", args).changed


def test_systemd_without_systemd_says_to_use_service(shared_conn: SSHConnection) -> None:
    with pytest.raises(ModuleError, match="systemd is not running") as error:
        run(shared_conn, "systemd", {"name": "ssh", "state": "started"})
    assert error.value.hint is not None and "service" in error.value.hint
