"""Server metadata <-> VmState as data: what dockyard writes on a server and reads back."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dockyard.vm.openstack.firewall import declared_rules, rule_drift, rules_of
from dockyard.vm.openstack.state import (
    ServerFacts,
    creation_metadata,
    inventory_metadata,
    stale_keys,
    state_from_server,
)
from dockyard.vm.plan import plan_vm
from dockyard.vm.spec import SshAddress, VmSpec

SPEC = VmSpec(name="w1", provider="openstack", cpus=2, memory_mib=2000, disk_gib=3, image="bookworm",
              ssh_keys=("ssh-ed25519 AAAA k",), groups=("workers", "edge"),
              host_vars={"zone": "z" * 600, "labels": {"a": 1}}, lab="lab1")


def facts(metadata: dict[str, str], status: str = "ACTIVE", **changes: object) -> ServerFacts:
    made = ServerFacts(name="w1", id="s1", status=status, vcpus=2, ram=2000, disk=3, metadata=metadata,
                       fixed_ips=("192.0.2.5", "192.0.2.9"), flavor="dy.large")
    return replace(made, **changes)  # type: ignore[arg-type]


def finished(spec: VmSpec) -> dict[str, str]:
    return {key: value for key, value in creation_metadata(spec).items() if key != "dockyard.pending"}


def test_metadata_round_trip_gives_back_the_declaration() -> None:
    metadata = finished(SPEC)
    assert all(len(value) <= 255 for value in metadata.values())
    assert {"dockyard.vars", "dockyard.vars.1", "dockyard.vars.2"} <= set(metadata)  # 600+ chars, split
    state = state_from_server(facts(metadata))
    assert state is not None
    assert (state.owner, state.lab, state.user, state.image, state.seed_hash) == (
        "dockyard", "lab1", "debian", "bookworm", SPEC.seed_hash())
    assert state.groups == ("workers", "edge") and state.host_vars == SPEC.host_vars
    assert (state.status, state.cpus, state.memory_mib, state.disk_gib) == ("running", 2, 2000, 3)
    assert plan_vm(SPEC, state) == []  # read back, it matches its declaration: nothing to do


@pytest.mark.parametrize(("status", "pending", "expected", "fault"), [
    ("ACTIVE", False, "running", ""),
    ("VERIFY_RESIZE", False, "running", ""),
    ("SHUTOFF", False, "stopped", ""),
    ("ERROR", False, "failed", "server s1 is in ERROR: No valid host was found."),
    ("BUILD", True, "failed", "its create did not finish (server s1 left BUILD)"),
    ("ACTIVE", True, "failed", "its create did not finish (server s1 left ACTIVE)"),
])
def test_nova_status_and_the_pending_mark(status: str, pending: bool, expected: str, fault: str) -> None:
    metadata = creation_metadata(SPEC) if pending else finished(SPEC)
    state = state_from_server(facts(metadata, status, fault="No valid host was found."))
    assert state is not None and (state.status, state.fault) == (expected, fault)


def test_a_server_being_deleted_is_gone_and_a_foreign_one_is_not_owned() -> None:
    assert state_from_server(facts(finished(SPEC), "DELETED")) is None
    foreign = state_from_server(facts({"owner": "someone"}))
    assert foreign is not None and not foreign.is_owned and foreign.groups == ()


def test_address_is_the_floating_ip_else_the_first_fixed_ip() -> None:
    fixed = state_from_server(facts(finished(SPEC)))
    floating = state_from_server(facts(finished(SPEC), floating_ips=("198.51.100.7",)))
    assert fixed is not None and fixed.address == SshAddress("192.0.2.5")
    assert floating is not None and floating.address == SshAddress("198.51.100.7")
    assert state_from_server(facts(finished(SPEC), fixed_ips=())).address is None  # type: ignore[union-attr]


def test_shorter_vars_leave_stale_chunks_to_delete() -> None:
    before = finished(SPEC)
    after = inventory_metadata(replace(SPEC, host_vars={"zone": "a"}))
    assert stale_keys(before, after) == ["dockyard.vars.1", "dockyard.vars.2"]


def test_security_group_drift_phrases() -> None:
    declared = declared_rules("0.0.0.0/0")
    neutron: list[dict[str, object]] = [  # as openstacksdk lists them: egress rules are ignored, ether_type is its name
        {"id": "r1", "direction": "egress", "ether_type": "IPv4"},
        {"id": "r2", "direction": "ingress", "ether_type": "IPv4", "protocol": "tcp", "port_range_min": 22,
         "port_range_max": 22, "remote_ip_prefix": "0.0.0.0/0"},
        {"id": "r3", "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp", "port_range_min": 2377,
         "port_range_max": 2377, "remote_group_id": "g1"},
        {"id": "r4", "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp", "port_range_min": 80,
         "port_range_max": 90, "remote_ip_prefix": "10.0.0.0/8"},
    ]
    found = rules_of("g1", neutron)
    assert found[next(rule for rule in found if rule.port == 22)] == ["r2"]
    drift = rule_drift("dockyard-lab1", declared, found.keys(), ["default"])
    assert "security group dockyard-lab1 lacks 6443/tcp from members" in drift
    assert "security group dockyard-lab1 has undeclared 0/tcp from 10.0.0.0/8" in drift
    assert "the server is not in security group dockyard-lab1" in drift
    assert not any("2377" in phrase or "22/" in phrase for phrase in drift)
    assert rule_drift("dockyard-lab1", declared, None, None) == ("security group dockyard-lab1 is missing",)
    assert rule_drift("dockyard-lab1", declared, declared, ["dockyard-lab1"]) == ()
