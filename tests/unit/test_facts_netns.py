"""Network facts against ansible-core, in a private network namespace built for the test.

A fresh namespace (``unshare -n``, root only) gets the awkward cases real hosts
have: secondary addresses, an address label (``lo:1``), a bridge with members,
a veth pair, IPv6 and a default route. Then ``gather.sh`` and ansible-core's
``setup`` (``gather_subset=network``, on localhost) both run inside that same
namespace and their network facts must be equal. No packet leaves the namespace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

import pytest

from dockyard.facts.base import facts_command
from dockyard.facts.gather import parse_facts

SETUP = """
set -e
mount -t sysfs sysfs /sys  # sysfs shows the devices of the namespace that mounts it
ip link set lo up
ip addr add 10.9.0.1/24 dev lo
ip addr add 10.9.0.2/24 dev lo
ip addr add 10.9.0.3/24 dev lo label lo:1
ip link add v0 type veth peer name v1
ip link add v2 type veth peer name v3
ip link add br0 type bridge
ip link set v0 master br0
ip link set v2 master br0
for dev in v0 v1 v2 v3 br0; do ip link set "$dev" up; done
ip link set v3 mtu 1400
ip addr add 192.168.77.1/24 brd + dev br0
ip addr add 192.168.77.9/24 dev br0
ip -6 addr add fd77::1/64 dev br0 nodad
ip addr add 172.31.5.5/32 peer 172.31.5.6 dev v1
ip route add default via 192.168.77.254
ip -6 route add default via fd77::fe dev br0
"""
COMPARED = (
    "interfaces",
    "default_ipv4",
    "default_ipv6",
    "all_ipv4_addresses",
    "all_ipv6_addresses",
)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    """(dockyard's facts, ansible's facts), both gathered in one namespace."""
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ansible") is None:
        pytest.skip("needs root, unshare and ansible-core")
    probe = subprocess.run(
        ["unshare", "-n", "ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip("cannot create network namespaces with veth pairs here")
    out = tmp_path_factory.mktemp("netns")
    script = (
        SETUP
        + f"dash -c {_quote(facts_command())} > {out}/dockyard.txt\n"
        + f"ansible localhost -m setup -a gather_subset=network > {out}/ansible.txt 2>/dev/null\n"
    )
    result = subprocess.run(
        ["unshare", "-n", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    ours = parse_facts((out / "dockyard.txt").read_text(), host="netns")
    text = (out / "ansible.txt").read_text()
    theirs: dict[str, Any] = json.loads(text[text.index("{") :])["ansible_facts"]
    return ours, theirs


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def test_the_namespace_has_the_awkward_cases(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    ours, _ = both
    assert ours["ansible_lo"]["ipv4_secondaries"]
    assert "ansible_lo_1" in ours
    assert ours["ansible_br0"]["type"] == "bridge"
    assert sorted(ours["ansible_br0"]["interfaces"]) == ["v0", "v2"]
    assert ours["ansible_v1"]["ipv4"]["prefix"] == "32"  # a point-to-point address
    assert ours["ansible_default_ipv4"]["gateway"] == "192.168.77.254"


@pytest.mark.parametrize("key", COMPARED)
def test_network_fact_equals_ansible(key: str, both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    ours, theirs = both
    mine, expected = ours[f"ansible_{key}"], theirs[f"ansible_{key}"]
    if key == "interfaces":  # a set in Ansible: order is arbitrary
        mine, expected = sorted(mine), sorted(expected)
    assert mine == expected


def test_every_interface_equals_ansible(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    ours, theirs = both
    for name in theirs["ansible_interfaces"]:
        key = f"ansible_{name.replace(':', '_')}"
        assert ours[key] == theirs[key], key
