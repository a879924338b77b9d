"""swarm: make this host start, join or leave a Docker Swarm.

Arguments::

    - swarm:                          # the first manager: no join_addr, so it inits
        advertise_addr: 10.0.0.2
      register: swarm_init
    - swarm:                          # every other node joins with a token from the manager
        join_addr: 10.0.0.2:2377
        token: "{{ hostvars['m1'].swarm_init.join_tokens.worker }}"
        advertise_addr: "{{ ansible_default_ipv4.address }}"
    - swarm:
        state: absent                 # leave the swarm (force: true for a manager)

``state: present`` on a node that is in no swarm runs ``docker swarm init`` (no
``join_addr``) or ``docker swarm join`` (with ``join_addr`` and ``token``); on a node
that is already active it changes nothing: the node is not moved to another swarm and
its advertise address is not changed (leave first). Roles and labels are set from a
manager with ``swarm_node``.

The token travels on the step's stdin, never on the SSH command line, and the step is
sensitive. On a manager the result holds ``join_tokens`` (worker and manager), which the
output never shows (the module declares them secret), plus ``nodes``: one entry per
swarm node (``id``, ``hostname``, ``status``, ``availability``, ``manager_status``).
The other fields: ``state``, ``role``, ``node_id``, ``node_addr``, ``cluster_id``.

In check mode a node that would init or join has no tokens or node id yet: its
registered result is known only after apply, and tasks that use it say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Action, Diff, HostModule, ModuleContext, Step, q
from dockyard.modules.docker_cli import json_lines, json_value, require_daemon
from dockyard.modules.registry import register
from dockyard.modules.system import Section, parse_sections, sections_probe

__all__ = ["SwarmArgs", "SwarmModule", "SwarmState", "parse_swarm"]

REPORT = {
    "info": "docker info --format '{{json .Swarm}}' 2>&1",
    "worker": "docker swarm join-token -q worker",
    "manager": "docker swarm join-token -q manager",
    "nodes": "docker node ls --format '{{json .}}'",
}


@dataclass(frozen=True)
class SwarmArgs:
    state: str = arg("present", choices=("present", "absent"), doc="in a swarm (init or join), or not")
    advertise_addr: str | None = arg(None, doc="address (or interface) other nodes reach this one at")
    listen_addr: str | None = arg(None, doc="address:port the swarm API listens on (docker's default 0.0.0.0:2377)")
    join_addr: str | None = arg(None, aliases=("remote_addrs",), doc="a manager's address:port; without it present means init")
    token: str | None = arg(None, aliases=("join_token",), no_log=True, doc="join token (worker or manager) from a manager")
    force: bool = arg(False, doc="absent: leave even as a manager (docker swarm leave --force)")
    default_addr_pool: list[str] = arg([], doc="init: subnets for overlay networks instead of docker's "
                                               "10.0.0.0/8 (which can overlap the hosts' own networks)")


@dataclass(frozen=True)
class SwarmState:
    state: str = "inactive"
    is_manager: bool = False
    node_id: str | None = None
    node_addr: str | None = None
    cluster_id: str | None = None
    tokens: dict[str, str] = field(default_factory=dict, repr=False)
    nodes: tuple[dict[str, str], ...] = ()

    @property
    def is_member(self) -> bool:
        return self.state == "active"


def parse_swarm(sections: dict[str, Section], host: str) -> SwarmState:
    """The swarm state from the sections of :data:`REPORT` (a probe, or a step's output)."""
    require_daemon(sections["info"], host)
    info = json_value(sections["info"].text) or {}
    state = str(info.get("LocalNodeState") or "inactive")
    is_manager = state == "active" and bool(info.get("ControlAvailable"))
    tokens: dict[str, str] = {}
    if is_manager:
        tokens = {role: sections[role].text.strip() for role in ("worker", "manager")
                  if role in sections and sections[role].ok and sections[role].text.strip()}
    cluster = info.get("Cluster") or {}
    nodes = tuple(
        {"id": str(row.get("ID", "")), "hostname": str(row.get("Hostname", "")),
         "status": str(row.get("Status", "")), "availability": str(row.get("Availability", "")),
         "manager_status": str(row.get("ManagerStatus", ""))}
        for row in json_lines(sections["nodes"].text)
    ) if is_manager and "nodes" in sections else ()
    return SwarmState(state, is_manager, info.get("NodeID") or None, info.get("NodeAddr") or None,
                      (cluster.get("ID") or None) if isinstance(cluster, dict) else None, tokens, nodes)


def _options(args: SwarmArgs) -> str:
    options = ""
    if args.advertise_addr:
        options += f" --advertise-addr {q(args.advertise_addr)}"
    if args.listen_addr:
        options += f" --listen-addr {q(args.listen_addr)}"
    return options


def _pools(args: SwarmArgs) -> str:
    return "".join(f" --default-addr-pool {q(pool)}" for pool in args.default_addr_pool)


def _then_report(command: str) -> str:
    """``command``, then the swarm state as the probe prints it (for the result)."""
    return f"{command} >/dev/null || exit $?\n{sections_probe(REPORT)}"


@register
class SwarmModule(HostModule[SwarmArgs, SwarmState]):
    name = "swarm"
    aliases = ("docker_swarm",)
    Args = SwarmArgs
    #: The node id, tokens and node list exist only once the node is in a swarm.
    predictable = False
    secret_results = ("join_tokens",)

    def probe(self, args: SwarmArgs, ctx: ModuleContext) -> str:
        return sections_probe(REPORT)

    def parse(self, args: SwarmArgs, output: CommandResult | None, ctx: ModuleContext) -> SwarmState:
        return parse_swarm(parse_sections(output, what=f"the swarm state of {ctx.host}"), ctx.host)

    def desired(self, args: SwarmArgs, ctx: ModuleContext) -> SwarmState:
        return SwarmState("active" if args.state == "present" else "inactive")

    def steps(self, current: SwarmState, desired: SwarmState, args: SwarmArgs) -> list[Step]:
        if current.state not in ("active", "inactive"):
            raise ModuleError(f"the node's swarm state is '{current.state}'",
                              hint="a pending or locked node needs a person: see `docker info`; "
                                   "`docker swarm leave --force` starts over")
        before = f"swarm: {current.state}\n"
        if args.state == "absent":
            if not current.is_member:
                return []
            force = " --force" if args.force else ""
            return [Step(Action.DELETE, f"leave the swarm{' (--force)' if args.force else ''}",
                         _then_report(f"docker swarm leave{force}"), diff=Diff(before, "swarm: inactive\n", "swarm", "swarm"))]
        if current.is_member:
            return []
        after = "swarm: active\n"
        if args.join_addr is None:
            where = f" (advertise {args.advertise_addr})" if args.advertise_addr else ""
            return [Step(Action.CREATE, f"init a new swarm{where}",
                         _then_report(f"docker swarm init{_options(args)}{_pools(args)}"),
                         diff=Diff(before, after + "role: manager\n", "swarm", "swarm"))]
        if not args.token:
            raise ModuleError("joining a swarm needs 'token'",
                              hint="read it on a manager: the swarm module's result 'join_tokens'")
        command = f't=$(cat) && docker swarm join --token "$t"{_options(args)} {q(args.join_addr)}'
        return [Step(Action.CREATE, f"join the swarm at {args.join_addr}", _then_report(command),
                     stdin=args.token.encode(), diff=Diff(before, after, "swarm", "swarm"), sensitive=True)]

    def result(self, args: SwarmArgs, current: SwarmState, desired: SwarmState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        now = current
        if ran:
            now = parse_swarm(parse_sections(ran[-1], what="the swarm after the change"), "the host")
        result: dict[str, Any] = {
            "state": now.state, "role": ("manager" if now.is_manager else "worker") if now.is_member else None,
            "node_id": now.node_id, "node_addr": now.node_addr, "cluster_id": now.cluster_id,
        }
        if now.is_manager:
            result["join_tokens"] = dict(now.tokens)
            result["nodes"] = [dict(node) for node in now.nodes]
        return result
