"""pytest helpers of the lab that fixtures hand to tests (see tests/conftest.py).

Lab errors become `pytest.fail` with the lab's message and hint, without a traceback:
a host that cannot start is a broken environment, not a bug in the test.
"""

from __future__ import annotations

import pytest

from tests.lab.docker import LabError
from tests.lab.host import SSH_HOST, HostKind, LabHost
from tests.lab.lab import Lab


class HostFactory:
    """`fresh_host()` starts one new host; `fresh_host.many(n)` several at once, in parallel.

    Hosts made here belong to one test and are removed when it ends, so the test may
    change them freely (install packages, stop sshd, regenerate host keys).
    """

    def __init__(self, lab: Lab) -> None:
        self._lab = lab
        self.hosts: list[LabHost] = []

    def __call__(self, kind: HostKind = SSH_HOST) -> LabHost:
        return self.many(1, kind=kind)[0]

    def many(self, count: int, *, kind: HostKind = SSH_HOST) -> list[LabHost]:
        problem = None
        try:
            hosts = self._lab.start(count, kind=kind)
        except LabError as error:
            problem = str(error)
        if problem is not None:  # failed outside the `except`: no chained traceback
            pytest.fail(f"the test lab cannot start {count} host(s): {problem}", pytrace=False)
        self.hosts += hosts
        return hosts

    def remove(self) -> None:
        self._lab.remove(self.hosts)
        self.hosts = []
