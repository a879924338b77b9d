"""dockyard's test cloud: a real mini OpenStack Zed on 127.0.0.1 (see docs/openstack.md).

Keystone, Glance, Placement, Neutron (ML2 with a no-agent binding driver) and Nova with its
fake virt driver (real APIs; servers reach ACTIVE; no guest boots), from Debian's packages,
without systemd. The shell scripts next to this file do the work; this module drives them:

    cloud = Cloud()
    cloud.up()                  apt packages + state (first time, ~6 min), start, wait ready
    cloud.stop("nova-api")      stop one service by its pid file; cloud.start("nova-api")
    cloud.down()                stop every service by pid file
    cloud.connect()             an openstacksdk Connection as admin

Several pytest sessions may share one cloud: each registers itself under ``run/users``;
the cloud is stopped only by the last session, and only when a session started it (a
cloud someone started by hand, e.g. `python -m tests.cloud up`, is left running).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.lab.docker import _is_alive

__all__ = ["CLOUD_NAME", "Cloud", "CloudError"]

HERE = Path(__file__).resolve().parent
CLOUD_NAME = "minicloud"
SERVICES = ("mariadb", "epmd", "rabbitmq", "keystone", "glance", "placement", "neutron",
            "nova-api", "nova-conductor", "nova-scheduler", "nova-compute")
LOCK_FILE = Path("/tmp/dockyard-cloud.lock")


class CloudError(Exception):
    """The test cloud could not be set up, started or stopped (the message says which log)."""


@dataclass
class Cloud:
    state: Path = field(default_factory=lambda: Path(os.environ.get("DOCKYARD_CLOUD_STATE", "/opt/minicloud")))

    @property
    def run_dir(self) -> Path:
        return self.state / "run"

    @property
    def clouds_yaml(self) -> Path:
        return HERE / "clouds.yaml"

    def env(self) -> dict[str, str]:
        """Variables that point an OpenStack client (and dockyard) at this cloud."""
        return {"OS_CLIENT_CONFIG_FILE": str(self.clouds_yaml), "OS_CLOUD": CLOUD_NAME}

    def _script(self, name: str, *args: str, timeout: float) -> None:
        env = {**os.environ, "DOCKYARD_CLOUD_STATE": str(self.state), "SDK_PYTHON": sys.executable,
               "MC_READY_TIMEOUT": os.environ.get("MC_READY_TIMEOUT", "240")}
        try:
            done = subprocess.run(["bash", str(HERE / name), *args], env=env, capture_output=True,
                                  text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise CloudError(f"{name} {' '.join(args)} did not finish in {timeout:.0f} s "
                             f"(logs: {self.state}/log)") from None
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
            raise CloudError(f"{name} {' '.join(args)} failed (exit {done.returncode}; logs: "
                             f"{self.state}/log):\n{tail}")

    def pid(self, service: str) -> int | None:
        """The pid of a running service, None when it does not run."""
        try:
            pid = int((self.run_dir / f"{service}.pid").read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _is_alive(pid) else None

    def is_running(self) -> bool:
        return all(self.pid(service) is not None for service in SERVICES)

    def is_set_up(self) -> bool:
        return (self.state / "data" / ".schemas-done").exists()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with LOCK_FILE.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def up(self) -> bool:
        """Install, set up and start as needed; True when this call started the cloud."""
        with self._locked():
            if self.is_running():
                return False
            if self.is_set_up():
                self._script("start.sh", timeout=900)
            else:
                self._script("setup.sh", timeout=2400)
            return True

    def down(self) -> None:
        with self._locked():
            self._script("stop.sh", timeout=300)

    def start(self, *services: str) -> None:
        self._script("start.sh", *services, timeout=300)

    def stop(self, *services: str) -> None:
        self._script("stop.sh", *services, timeout=120)

    @contextlib.contextmanager
    def session(self) -> Iterator[Cloud]:
        """The cloud for one test session: up on entry; down on exit if this session
        started it (or inherited that from a session that ended first) and no other
        session still uses it."""
        users = self.run_dir / "users"
        started = self.up()
        users.mkdir(parents=True, exist_ok=True)
        marker = users / str(os.getpid())
        owner_flag = self.run_dir / "started-by-tests"
        marker.touch()
        if started:
            owner_flag.touch()
        try:
            yield self
        finally:
            marker.unlink(missing_ok=True)
            with self._locked():
                others = [path for path in users.iterdir() if path.name.isdigit() and _is_alive(int(path.name))]
                stop = owner_flag.exists() and not others
            if stop:
                self.down()
                owner_flag.unlink(missing_ok=True)

    def connect(self) -> Any:
        from openstack.config import OpenStackConfig  # the `openstack` extra
        from openstack.connection import Connection

        region = OpenStackConfig(config_files=[str(self.clouds_yaml)]).get_one(cloud=CLOUD_NAME)
        return Connection(config=region)
