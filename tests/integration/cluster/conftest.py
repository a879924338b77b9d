"""A real Docker Swarm's raw material: three docker hosts (own dockerd) on a network of their own.

    swarm_hosts     three hosts of the DOCKER_HOST kind, on an --internal bridge made for this
                    module; removed with the network when the module's tests end
    check_rootfs    a root file system tar (a static busybox as /bin/sh and /bin/sleep) on
                    the controller: the image the deployment check imports on every node
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab import DOCKER_HOST, Lab, LabError, LabHost


@pytest.fixture(scope="module")
def swarm_hosts(lab: Lab) -> Iterator[list[LabHost]]:
    problem = None
    hosts: list[LabHost] = []
    network = ""
    try:
        network = lab.create_network("swarm")
        hosts = lab.start(3, kind=DOCKER_HOST, network=network)
        for host in hosts:
            host.wait_for_dockerd()
    except LabError as error:
        problem = str(error)
    if problem is not None:
        lab.remove(hosts)
        if network:
            lab.remove_network(network)
        pytest.fail(f"the cluster lab cannot start: {problem}", pytrace=False)
    yield hosts
    lab.remove(hosts)
    lab.remove_network(network)


@pytest.fixture(scope="module")
def check_rootfs(swarm_hosts: list[LabHost], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/busybox (static, copied out of a docker host), bin/sh and bin/sleep linking to it."""
    busybox = subprocess.run(["docker", "exec", swarm_hosts[0].container, "cat", "/bin/busybox"],
                             capture_output=True, check=True, timeout=60).stdout
    path = tmp_path_factory.mktemp("check") / "rootfs.tar"
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo("bin/busybox")
        info.size, info.mode = len(busybox), 0o755
        tar.addfile(info, io.BytesIO(busybox))
        for applet in ("sh", "sleep"):
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)
    return path
