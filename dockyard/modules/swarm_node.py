"""swarm_node: a node's labels, availability and role, or its removal, seen from a manager.

Run it on a swarm manager (``delegate_to`` the manager when the task is about another
host)::

    - swarm_node:
        name: "{{ swarm_join.node_id }}"   # node ID or hostname
        labels: {zone: a, disk: ssd}
        labels_state: merge                # merge (keep other labels) | replace
        availability: active               # active | pause | drain
        role: worker                       # worker | manager (promote / demote)
      delegate_to: m1
    - swarm_node:
        name: old-worker
        state: absent                      # drain it, then remove it from the swarm

The probe is ``docker node inspect``. ``state: present`` puts every difference in one
``docker node update``; a node that is not in the swarm is an error (join it first with
the ``swarm`` module). ``state: absent`` drains the node (its tasks move elsewhere), waits up to 60 s
until none runs there, then ``docker node rm``; ``force`` (default true) removes it even while its dockerd still
runs, which is the case for a host that merely left the inventory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Action, Diff, HostModule, ModuleContext, Step, q
from dockyard.modules.docker_cli import json_value, read_error
from dockyard.modules.registry import register

__all__ = ["NodeState", "SwarmNodeArgs", "SwarmNodeModule", "parse_node"]

#: Seconds a removal waits for the drained node's tasks to stop before ``docker node rm``.
DRAIN_WAIT = 60


@dataclass(frozen=True)
class SwarmNodeArgs:
    name: str = arg(required=True, aliases=("hostname", "node"), doc="node ID or hostname")
    state: str = arg("present", choices=("present", "absent"), doc="present: settings below; absent: drain and remove")
    labels: dict[str, Any] | None = arg(None, doc="node labels (values become strings)")
    labels_state: str = arg("merge", choices=("merge", "replace"), doc="merge: keep labels not named; replace: exactly these")
    availability: str | None = arg(None, choices=("active", "pause", "drain"), doc="active, pause or drain")
    role: str | None = arg(None, choices=("worker", "manager"), doc="worker or manager")
    force: bool = arg(True, doc="absent: remove the node even while it is up (docker node rm --force)")


@dataclass(frozen=True)
class NodeState:
    exists: bool = False
    node_id: str = ""
    hostname: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    availability: str = ""
    role: str = ""
    status: str = ""


def parse_node(name: str, text: str, host: str) -> NodeState:
    """``docker node inspect --format '{{json .}}'`` output -> NodeState; absent when there is no such node."""
    node = json_value(text)
    if isinstance(node, dict):
        spec = node.get("Spec") or {}
        return NodeState(True, str(node.get("ID", "")), str((node.get("Description") or {}).get("Hostname", "")),
                         {str(k): str(v) for k, v in (spec.get("Labels") or {}).items()},
                         str(spec.get("Availability", "")), str(spec.get("Role", "")),
                         str((node.get("Status") or {}).get("State", "")))
    if "No such node" in text or "not found" in text:
        return NodeState()
    raise read_error(f"swarm node {name}", text, host)


def _wait_drained(node: str, seconds: int) -> str:
    """Shell waiting (at most ``seconds``) until no task runs on the node, so that it stops them."""
    running = f"docker node ps --format '{{{{.CurrentState}}}}' {node} | grep -q '^Running'"
    return f"n=0; while {running} && [ $n -lt {seconds} ]; do n=$((n+1)); sleep 1; done; "


def _labels(current: dict[str, str], args: SwarmNodeArgs) -> dict[str, str]:
    given = {str(k): str(v) for k, v in (args.labels or {}).items()}
    return given if args.labels_state == "replace" else {**current, **given}


def _text(labels: dict[str, str], availability: str, role: str) -> str:
    lines = [f"label {k}={v}" for k, v in sorted(labels.items())]
    return "\n".join([*lines, f"availability: {availability}", f"role: {role}"]) + "\n"


@register
class SwarmNodeModule(HostModule[SwarmNodeArgs, NodeState]):
    name = "swarm_node"
    aliases = ("docker_node",)
    Args = SwarmNodeArgs

    def probe(self, args: SwarmNodeArgs, ctx: ModuleContext) -> str:
        return f"docker node inspect --format '{{{{json .}}}}' -- {q(args.name)} 2>&1 || true"

    def parse(self, args: SwarmNodeArgs, output: CommandResult | None, ctx: ModuleContext) -> NodeState:
        return parse_node(args.name, output.text() if output else "", ctx.host)

    def desired(self, args: SwarmNodeArgs, ctx: ModuleContext) -> NodeState:
        return NodeState(args.state == "present")

    def steps(self, current: NodeState, desired: NodeState, args: SwarmNodeArgs) -> list[Step]:
        who = current.hostname or args.name
        node = q(current.node_id or args.name)
        if args.state == "absent":
            if not current.exists:
                return []
            steps = []
            if current.availability != "drain":
                steps.append(Step(Action.UPDATE, f"drain node {who}", f"docker node update --availability drain {node}",
                                  diff=Diff(f"availability: {current.availability}\n", "availability: drain\n", who, who)))
            force = " --force" if args.force else ""
            steps.append(Step(Action.DELETE, f"remove node {who} from the swarm",
                              f"{_wait_drained(node, DRAIN_WAIT)}docker node rm{force} {node}",
                              diff=Diff(f"node {who} ({current.status})\n", "absent\n", "swarm", "swarm")))
            return steps
        if not current.exists:
            raise ModuleError(f"node {args.name} is not in the swarm",
                              hint="join it first (module swarm), or check the name: a node ID or its hostname")
        labels = _labels(current.labels, args) if args.labels is not None else current.labels
        availability = args.availability or current.availability
        role = args.role or current.role
        options, changes = [], []
        for key in sorted(set(current.labels) - set(labels)):
            options.append(f"--label-rm {q(key)}")
            changes.append(f"-{key}")
        for key, value in sorted(labels.items()):
            if current.labels.get(key) != value:
                options.append(f"--label-add {q(f'{key}={value}')}")
                changes.append(f"{key}={value}")
        if availability != current.availability:
            options.append(f"--availability {q(availability)}")
            changes.append(f"availability {availability}")
        if role != current.role:
            options.append(f"--role {q(role)}")
            changes.append(f"role {role}")
        if not options:
            return []
        return [Step(Action.UPDATE, f"node {who}: {', '.join(changes)}", f"docker node update {' '.join(options)} {node}",
                     diff=Diff(_text(current.labels, current.availability, current.role),
                               _text(labels, availability, role), who, who))]

    def result(self, args: SwarmNodeArgs, current: NodeState, desired: NodeState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        return {"node_id": current.node_id or None, "hostname": current.hostname or None,
                "state": args.state}
