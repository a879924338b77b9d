"""`vm` with provider: openstack against the real test cloud, through the CLI.

The cloud runs Nova's fake virt driver: servers, ports, addresses, security groups, resize
and delete are real API objects and state changes, but no guest boots, so SSH is not waited
for (wait_for_ssh: false); the SSH step after create is tested with the libvirt provider.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest
import yaml

from dockyard.vm.openstack.resources import keypair_name
from tests.integration.cli import run_dockyard
from tests.integration.openstack.conftest import World
from tests.integration.openstack.helpers import leftovers, play, summaries, vm_playbook

pytestmark = [pytest.mark.openstack, pytest.mark.usefixtures("os_env"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # openstacksdk's own deprecations

CLUSTER_RULES = {(22, "tcp"), (2377, "tcp"), (7946, "tcp"), (7946, "udp"), (4789, "udp"), (6443, "tcp")}


def machines(world: World, w1: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    m1, w1_name, w2 = world.names("m1", "w1", "w2")
    return [
        {"name": m1, "groups": ["managers"], "vars": {"swarm_role": "manager", "zone": "a" * 300}},
        {"name": w1_name, "groups": ["workers"], **(w1 or {})},
        {"name": w2, "groups": ["workers"],
         "provider_options": {"image_file": str(world.image_file), "floating_ip": True}},
    ]


def servers_by_name(conn: Any, names: list[str]) -> dict[str, Any]:
    found = {server.name: server for server in conn.compute.servers(details=True) if server.name in names}
    assert sorted(found) == sorted(names)
    return found


def test_three_servers_created_rerun_resized_listed_and_deleted_without_leftovers(
        world: World, key: str, tmp_path: Path) -> None:
    conn = world.conn
    names = world.names("m1", "w1", "w2")
    declared = vm_playbook(world, key, machines(world))

    done, results = play(tmp_path, declared)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sum(summary.startswith("create vm") for summary in summaries(results)) == 3
    servers = servers_by_name(conn, names)
    ids = {server.id for server in servers.values()}
    assert {server.status for server in servers.values()} == {"ACTIVE"}
    assert {server.flavor.original_name for server in servers.values()} == {"dy.small"}  # smallest fitting
    m1 = servers[names[0]].metadata
    assert (m1["dockyard.owner"], m1["dockyard.lab"], m1["dockyard.groups"]) == ("dockyard", world.lab, '["managers"]')
    assert "dockyard.pending" not in m1 and "dockyard.vars.1" in m1  # 300-character var: split over keys
    assert {server.key_name for server in servers.values()} == {keypair_name(key)}
    group = next(iter(conn.network.security_groups(name=f"dockyard-{world.lab}")))
    rules = {(rule.port_range_min, rule.protocol) for rule in conn.network.security_group_rules(
        security_group_id=group.id) if rule.direction == "ingress"}
    assert rules == CLUSTER_RULES

    vms = {vm["name"]: vm for vm in results[0]["result"]["vms"]}
    floating = [ip.floating_ip_address for ip in conn.network.ips() if ip.description == f"dockyard: vm {names[2]}"]
    assert vms[names[2]]["address"] == floating[0]  # a floating IP wins
    fixed = next(iter(conn.network.ports(device_id=servers[names[0]].id))).fixed_ips[0]["ip_address"]
    assert vms[names[0]]["address"] == fixed and ipaddress.ip_address(fixed) in ipaddress.ip_network("192.0.2.0/24")
    hosts = {host["host_name"]: host for host in results[0]["result"]["add_host"]}
    assert hosts[names[0]]["host_vars"]["ansible_host"] == fixed and hosts[names[0]]["groups"] == ["managers"]

    again, results = play(tmp_path, declared)
    assert again.returncode == 0 and summaries(results) == [] and results[0]["status"] == "ok"

    _resize_one(world, key, tmp_path, ids)
    _repair_the_security_group(world, key, tmp_path, group)
    _inventory_lists_the_lab(world, tmp_path)

    absent = vm_playbook(world, key, machines(world, {"memory": 1500}), state="absent")
    done, results = play(tmp_path, absent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sum(summary.startswith("delete vm") for summary in summaries(results)) == 3
    assert leftovers(conn, world.lab, keypair_name(key), ids) == {
        "servers": [], "ports": [], "keypairs": [], "security groups": [], "floating ips": []}
    again, results = play(tmp_path, absent)
    assert again.returncode == 0 and summaries(results) == []


def _resize_one(world: World, key: str, tmp_path: Path, ids: set[str]) -> None:
    """More memory for w1: the next flavor up, planned in check mode, then applied and confirmed."""
    conn = world.conn
    w1 = world.names("w1")[0]
    bigger = vm_playbook(world, key, machines(world, {"memory": 1500}))
    checked, results = play(tmp_path, bigger, "--check")
    assert checked.returncode == 0
    assert summaries(results) == [f"resize vm {w1}: 1 cpu, 500 MiB -> 2 cpus, 2000 MiB: restart required",
                                  f"grow the disk of vm {w1}: 1 -> 3 GiB"]
    assert conn.compute.find_server(w1).flavor.original_name == "dy.small"  # check mode touched nothing

    done, results = play(tmp_path, bigger)
    assert done.returncode == 0, done.stdout + done.stderr
    server = conn.compute.get_server(conn.compute.find_server(w1).id)
    assert (server.status, server.flavor.original_name) == ("ACTIVE", "dy.large")
    assert server.id in ids  # resized in place, not replaced
    assert summaries(play(tmp_path, bigger)[1]) == []


def _repair_the_security_group(world: World, key: str, tmp_path: Path, group: Any) -> None:
    """A rule removed behind dockyard's back is drift: planned as a repair, then put back."""
    conn = world.conn
    k3s = next(rule for rule in conn.network.security_group_rules(security_group_id=group.id)
               if rule.port_range_min == 6443)
    conn.network.delete_security_group_rule(k3s)
    bigger = vm_playbook(world, key, machines(world, {"memory": 1500}))
    _, results = play(tmp_path, bigger, "--check")
    assert any("lacks 6443/tcp from members" in summary for summary in summaries(results))
    done, _ = play(tmp_path, bigger)
    assert done.returncode == 0, done.stdout + done.stderr
    assert any(rule.port_range_min == 6443 for rule in conn.network.security_group_rules(security_group_id=group.id))
    assert summaries(play(tmp_path, bigger)[1]) == []


def _inventory_lists_the_lab(world: World, tmp_path: Path) -> None:
    (tmp_path / "openstack.yml").write_text(yaml.safe_dump({"plugin": "openstack", "cloud": "minicloud",
                                                            "lab": world.lab}))
    listed = run_dockyard("inventory", "-i", "openstack.yml", "--list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    inventory = yaml.safe_load(listed.stdout)
    m1, w1, w2 = world.names("m1", "w1", "w2")
    assert sorted(inventory["managers"]["hosts"]) == [m1]
    assert sorted(inventory["workers"]["hosts"]) == [w1, w2]
    host_vars = inventory["_meta"]["hostvars"]
    assert host_vars[m1]["swarm_role"] == "manager" and host_vars[m1]["zone"] == "a" * 300
    assert host_vars[m1]["ansible_user"] == "debian"
    assert ipaddress.ip_address(host_vars[w2]["ansible_host"]) in ipaddress.ip_network("198.51.100.0/24")
