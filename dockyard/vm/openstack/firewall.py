"""The security group a lab's servers share: ``dockyard-<lab>`` with the ports a cluster needs.

Ingress rules (egress is left as Neutron makes it: open)::

    22/tcp      from ssh_from (default 0.0.0.0/0)    SSH from the controller
    2377/tcp    from members of the group            Swarm management
    7946/tcp    from members                         Swarm node gossip
    7946/udp    from members
    4789/udp    from members                         Swarm overlay (VXLAN)
    6443/tcp    from members                         k3s API server

The group is part of the plan: a missing group or rule, an undeclared ingress rule or a
server outside the group is drift (``VmState.drift``), shown and repaired like any change.
It is created with the first server of the lab and deleted with the last one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CLUSTER_PORTS", "DESCRIPTION", "Rule", "declared_rules", "group_name", "rule_drift", "rules_of"]

CLUSTER_PORTS = ((2377, "tcp"), (7946, "tcp"), (7946, "udp"), (4789, "udp"), (6443, "tcp"))
DESCRIPTION = "managed by dockyard: SSH, Swarm and k3s ports of lab {lab}"
MEMBERS = "members"


@dataclass(frozen=True, order=True)
class Rule:
    """One ingress rule: ``port``/``protocol`` from ``source`` (a CIDR, or ``members``)."""

    port: int
    protocol: str
    source: str

    def describe(self) -> str:
        return f"{self.port}/{self.protocol} from {self.source}"

    def sdk_arguments(self, group_id: str) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "security_group_id": group_id, "direction": "ingress", "ethertype": "IPv4",
            "protocol": self.protocol, "port_range_min": self.port, "port_range_max": self.port}
        if self.source == MEMBERS:
            arguments["remote_group_id"] = group_id
        else:
            arguments["remote_ip_prefix"] = self.source
        return arguments


def group_name(lab: str) -> str:
    return f"dockyard-{lab}" if lab else "dockyard"


def declared_rules(ssh_from: str) -> frozenset[Rule]:
    return frozenset({Rule(22, "tcp", ssh_from),
                      *(Rule(port, protocol, MEMBERS) for port, protocol in CLUSTER_PORTS)})


def rules_of(group_id: str, rules: Iterable[Mapping[str, Any]]) -> dict[Rule, list[str]]:
    """The single-port ingress rules of a group (as Neutron lists them) -> their ids.
    Rules dockyard cannot express (port ranges, other ethertypes) map to port 0 so that
    they show as undeclared."""
    found: dict[Rule, list[str]] = {}
    for rule in rules:
        if rule.get("direction") != "ingress":
            continue
        low, high = rule.get("port_range_min"), rule.get("port_range_max")
        ethertype = rule.get("ethertype", rule.get("ether_type"))  # API name / openstacksdk's name
        port = int(low) if low is not None and low == high and ethertype == "IPv4" else 0
        source = MEMBERS if rule.get("remote_group_id") == group_id else str(rule.get("remote_ip_prefix") or "any")
        found.setdefault(Rule(port, str(rule.get("protocol") or "any"), source), []).append(str(rule.get("id", "")))
    return found


def rule_drift(name: str, declared: frozenset[Rule], found: Iterable[Rule] | None,
               server_groups: Iterable[str] | None) -> tuple[str, ...]:
    """Phrases for the plan: what differs between the declared group and the one found
    (``found`` None: no such group); ``server_groups`` None: no server to check yet."""
    if found is None:
        return (f"security group {name} is missing",)
    found = set(found)
    drift = [f"security group {name} lacks {rule.describe()}" for rule in sorted(declared - found)]
    drift += [f"security group {name} has undeclared {rule.describe()}" for rule in sorted(found - declared)]
    if server_groups is not None and name not in set(server_groups):
        drift.append(f"the server is not in security group {name}")
    return tuple(drift)
