"""Fixtures of the test lab: real sshd hosts in containers (see docs/lab.md).

    lab             the session's `Lab` (image built on first use, hosts removed at the end)
    lab_hosts       10 running hosts shared by every test of the session: read, don't change
    lab_key         the private key all lab hosts authorize (for `dockyard` and `pwuser`)
    lab_inventory   an INI inventory of `lab_hosts`, written to the test's tmp_path
    fresh_host      a factory: `fresh_host()` -> a new host of this test alone, removed after it

Any test that uses one of them is marked `ssh` automatically, so `-m "not ssh"` leaves it
out. When dockerd does not answer, those tests fail (not skip) and say how to start it:
a CI run that quietly tested nothing would look green.

With pytest-xdist every worker is its own session with its own Lab and hosts; the image
is built once (a file lock), so `pytest -n 2` works as is.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab import Lab, LabError, LabHost, remove_stale_containers
from tests.lab.fixtures import HostFactory

LAB_FIXTURES = frozenset({"lab", "lab_hosts", "lab_key", "lab_inventory", "fresh_host"})
SHARED_HOST_COUNT = 10


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if LAB_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.ssh)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """The session's Lab; fails every test that needs it when Docker is not usable."""
    session_lab = Lab(tmp_path_factory.mktemp("lab"))
    problem = None
    try:
        session_lab.check_docker()
        remove_stale_containers()
        session_lab.ensure_image()
    except LabError as error:
        problem = str(error)
    if problem is not None:  # failed outside the `except`, so no chained traceback
        pytest.fail(f"the test lab cannot start: {problem}", pytrace=False)
    yield session_lab
    session_lab.stop()


@pytest.fixture(scope="session")
def lab_hosts(lab: Lab) -> list[LabHost]:
    """Hosts shared by the whole session. Tests may run commands but must not change them."""
    return HostFactory(lab).many(SHARED_HOST_COUNT)


@pytest.fixture(scope="session")
def lab_key(lab: Lab) -> Path:
    return lab.key_path


@pytest.fixture
def lab_inventory(lab: Lab, lab_hosts: list[LabHost], tmp_path: Path) -> Path:
    return lab.write_inventory(tmp_path / "lab.ini", lab_hosts)


@pytest.fixture
def fresh_host(lab: Lab) -> Iterator[HostFactory]:
    factory = HostFactory(lab)
    yield factory
    factory.remove()
