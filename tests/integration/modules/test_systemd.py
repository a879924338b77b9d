"""systemd on a host where systemd is not PID 1 (the lab containers): a clear error.

The systemctl plans themselves are unit-tested as data (tests/unit/modules/test_systemd.py);
a lab host kind with systemd as PID 1 does not exist yet.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.connection import ConnectionOptions, SSHConnection, connect
from dockyard.errors import ModuleError
from tests.integration.modules.contract import run
from tests.lab import LabHost


def test_systemd_without_systemd_says_to_use_service(lab_hosts: list[LabHost], tmp_path: Path) -> None:
    host = lab_hosts[4]
    conn = connect(host.name, {"ansible_host": host.address, "ansible_user": host.user,
                               "ansible_ssh_private_key_file": str(host.key_path)},
                   ConnectionOptions(host_key_checking="off", ssh_config=None, known_hosts=tmp_path / "kh"))
    assert isinstance(conn, SSHConnection)
    try:
        with pytest.raises(ModuleError, match="systemd is not running") as error:
            run(conn, "systemd", {"name": "ssh", "state": "started"})
        assert error.value.hint is not None and "service" in error.value.hint
    finally:
        conn.close()
