"""The compute API goes away in the middle of a create: a clear error naming the server, and a
re-run that replaces what was left half-made, against the real test cloud.

To hit "the middle" every time, nova-conductor is stopped first: the server is then accepted
by nova-api but stays in BUILD (its boot request waits in RabbitMQ). Once the server exists,
nova-api is stopped, so dockyard loses the API while it waits for ACTIVE.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dockyard.vm.openstack.resources import keypair_name
from tests.cloud import Cloud
from tests.integration.cli import REPO
from tests.integration.openstack.conftest import World
from tests.integration.openstack.helpers import leftovers, play, summaries, vm_playbook

pytestmark = [pytest.mark.openstack, pytest.mark.usefixtures("os_env"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # openstacksdk's own deprecations


@pytest.fixture
def outage(cloud: Cloud) -> Iterator[Cloud]:
    """The cloud; whatever the test stopped is running again afterwards."""
    yield cloud
    cloud.start("nova-api", "nova-conductor")


def wait_for_server(conn: Any, name: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [server for server in conn.compute.servers(details=True) if server.name == name]
        if found:
            return found[0]
        time.sleep(0.3)
    raise AssertionError(f"server {name} never appeared")


def test_compute_api_lost_mid_create_then_rerun_replaces_the_half_made_server(
        world: World, outage: Cloud, key: str, tmp_path: Path) -> None:
    conn = world.conn
    name = world.names("x1")[0]
    declared = vm_playbook(world, key, [{"name": name, "groups": ["workers"]}],
                           provider_options={"image_file": str(world.image_file), "retry_for": 10})
    (tmp_path / "vms.yml").write_text(declared)

    outage.stop("nova-conductor")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    running = subprocess.Popen([sys.executable, "-m", "dockyard.cli.main", "play", "vms.yml", "--no-retry-file"],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    half_made = wait_for_server(conn, name)
    assert half_made.status == "BUILD" and half_made.metadata.get("dockyard.pending") == "create"
    outage.stop("nova-api")
    output, _ = running.communicate(timeout=300)

    assert running.returncode != 0, output
    assert f"vm {name}: read server {half_made.id}: the cloud did not answer" in output, output
    assert "cannot connect to http://127.0.0.1:8774" in output, output
    assert "the next run replaces it" in output and "Traceback" not in output, output

    outage.start("nova-api", "nova-conductor")
    checked, results = play(tmp_path, declared, "--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    planned = summaries(results)  # still pending, or in ERROR if its build failed meanwhile: replaced either way
    assert len(planned) == 1 and planned[0].startswith(f"replace vm {name}: ") and half_made.id in planned[0], planned
    done, results = play(tmp_path, declared)
    assert done.returncode == 0, done.stdout + done.stderr
    now = [server for server in conn.compute.servers(details=True) if server.name == name]
    assert [(server.status, "dockyard.pending" in server.metadata) for server in now] == [("ACTIVE", False)]
    assert now[0].id != half_made.id and conn.compute.find_server(half_made.id) is None
    assert summaries(play(tmp_path, declared)[1]) == []

    done, _ = play(tmp_path, vm_playbook(world, key, [{"name": name}], state="absent"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert leftovers(conn, world.lab, keypair_name(key), {half_made.id, now[0].id}) == {
        "servers": [], "ports": [], "keypairs": [], "security groups": [], "floating ips": []}
