"""The state a lab host must be in after the workload (workload/), checked from outside.

After every first run the harness reads a few hosts through `docker exec` (not through the
tool under test) and compares what `STATE_SCRIPT` prints with `expected_state(name)`: a
benchmark of a workload that silently did nothing would be worthless.
"""

from __future__ import annotations

WORKLOAD_DIR_NAME = "workload"
TASKS_PER_HOST = 10
"""Each tool must report exactly this many changes per fresh host, and 0 on the re-run."""

STATE_SCRIPT = """
cat /srv/bench/motd.txt
cat /srv/bench/conf/app.conf
stat -c '%a' /srv/bench /srv/bench/conf /srv/bench/motd.txt /srv/bench/conf/app.env
grep '^HOME_MODE' /etc/login.defs
getent passwd benchsvc | cut -d: -f1,6,7
stat -c '%U %a' /srv/bench/data /home/benchsvc
readlink /srv/bench/current.conf
test -s /srv/bench/initialized && echo initialized
"""


def expected_state(host_name: str) -> list[str]:
    """The lines `STATE_SCRIPT` prints on a host named `host_name` after the workload."""
    return [
        "Managed by the dockyard benchmark.",
        f"# {host_name}: rendered by the benchmark",
        "listen = 8080",
        f"name = {host_name}",
        "755",
        "755",
        "644",
        "640",
        "HOME_MODE 0750",
        "benchsvc:/home/benchsvc:/bin/sh",
        "benchsvc 750",
        "benchsvc 750",
        "/srv/bench/conf/app.conf",
        "initialized",
    ]


def state_differences(host_name: str, output: str) -> list[str]:
    """Lines that differ between what a host printed and what it should have printed."""
    actual = [line.rstrip() for line in output.splitlines() if line.strip()]
    expected = expected_state(host_name)
    if actual == expected:
        return []
    width = max(len(actual), len(expected))
    actual += [""] * (width - len(actual))
    padded = expected + [""] * (width - len(expected))
    return [
        f"{host_name}: expected {want!r}, found {got!r}"
        for want, got in zip(padded, actual, strict=True)
        if want != got
    ]
