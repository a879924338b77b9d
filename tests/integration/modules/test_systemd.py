"""systemd on a host where systemd is not PID 1 (the lab containers): a clear error.

The systemctl plans themselves are unit-tested as data (tests/unit/modules/test_systemd.py);
a lab host kind with systemd as PID 1 does not exist yet.
"""

from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from tests.integration.modules.contract import run


def test_systemd_without_systemd_says_to_use_service(shared_conn: SSHConnection) -> None:
    with pytest.raises(ModuleError, match="systemd is not running") as error:
        run(shared_conn, "systemd", {"name": "ssh", "state": "started"})
    assert error.value.hint is not None and "service" in error.value.hint
