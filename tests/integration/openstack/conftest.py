"""Fixtures of the OpenStack tests: the real test cloud (tests/cloud) and what the tests use in it.

    cloud         the session's Cloud: set up (apt + state, ~6 min the first time) and started
                  when needed, stopped at the end when this session started it
    world         flavors dy.small/medium/large, network dy-net (192.0.2.0/24), external network
                  dy-ext (198.51.100.0/24) with a router, made once and kept (test infrastructure,
                  like a real cloud's), plus the session's image file and names
    key           a fresh public key; afterwards, a safety net removes what a failed test left
    os_env        OS_CLIENT_CONFIG_FILE / OS_CLOUD pointing at the cloud (the OpenStack way)

Every address here is in a documentation range and only exists inside Neutron: nothing is
ever sent to it (the fake virt driver boots no guest).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from dockyard.vm.openstack.resources import keypair_name
from tests.cloud import Cloud, CloudError

FLAVORS = (("dy.small", 1, 500, 1), ("dy.medium", 1, 1000, 2), ("dy.large", 2, 2000, 3))
NETWORK, EXTERNAL, ROUTER = "dy-net", "dy-ext", "dy-router"


def public_key() -> str:
    key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH)
    return key.decode() + " dockyard-test"


@dataclass(frozen=True)
class World:
    conn: Any
    lab: str
    image: str
    image_file: Path

    def names(self, *short: str) -> list[str]:
        return [f"{self.lab}-{name}" for name in short]


@pytest.fixture(scope="session")
def cloud() -> Iterator[Cloud]:
    test_cloud = Cloud()
    try:
        session = test_cloud.session()
        entered = session.__enter__()
    except CloudError as error:
        pytest.fail(f"the test cloud cannot start: {error}", pytrace=False)
    try:
        yield entered
    finally:
        session.__exit__(None, None, None)


def _ensure_networks(conn: Any) -> None:
    net = conn.network.find_network(NETWORK) or conn.network.create_network(name=NETWORK)
    subnets = list(conn.network.subnets(network_id=net.id))
    subnet = subnets[0] if subnets else conn.network.create_subnet(
        network_id=net.id, ip_version=4, cidr="192.0.2.0/24", name=NETWORK)
    ext = conn.network.find_network(EXTERNAL) or conn.network.create_network(
        name=EXTERNAL, is_router_external=True, provider_network_type="flat", provider_physical_network="dyext")
    if not list(conn.network.subnets(network_id=ext.id)):
        conn.network.create_subnet(network_id=ext.id, ip_version=4, cidr="198.51.100.0/24",
                                   enable_dhcp=False, name=EXTERNAL)
    if conn.network.find_router(ROUTER) is None:
        router = conn.network.create_router(name=ROUTER, external_gateway_info={"network_id": ext.id})
        conn.network.add_interface_to_router(router, subnet_id=subnet.id)


@pytest.fixture(scope="session")
def world(cloud: Cloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    conn = cloud.connect()
    for name, cpus, ram, disk in FLAVORS:
        if conn.compute.find_flavor(name, ignore_missing=True) is None:
            conn.compute.create_flavor(name=name, vcpus=cpus, ram=ram, disk=disk)
    _ensure_networks(conn)
    lab = f"t{os.getpid()}"
    image_file = tmp_path_factory.mktemp("image") / "empty.raw"
    image_file.write_bytes(b"\0" * (1 << 20))  # a 1 MiB raw image: no guest boots here anyway
    yield World(conn, lab, f"dy-image-{lab}", image_file)
    image = conn.image.find_image(f"dy-image-{lab}", ignore_missing=True)
    if image is not None:
        conn.image.delete_image(image)
    conn.close()


@pytest.fixture
def os_env(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in cloud.env().items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def key(world: World) -> Iterator[str]:
    """A fresh public key; afterwards, a safety net removes whatever a failed test left in the lab."""
    public = public_key()
    yield public
    conn = world.conn
    for server in conn.compute.servers(details=True):
        if server.name.startswith(f"{world.lab}-"):
            conn.compute.delete_server(server)
            conn.compute.wait_for_delete(server, wait=120)
    for group in conn.network.security_groups(name=f"dockyard-{world.lab}"):
        conn.network.delete_security_group(group)
    conn.compute.delete_keypair(keypair_name(public), ignore_missing=True)
