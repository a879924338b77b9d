"""docker_service: a replicated Swarm service, run on a manager.

Arguments::

    - docker_service:
        name: dockyard-check
        image: dockyard-check:1
        args: [sleep, "86400"]       # the command the tasks run
        replicas: 3
        max_replicas_per_node: 1     # spread: at most this many tasks per node (0: no limit)
        constraints: ["node.labels.zone == a"]
        resolve_image: false         # false: use the image as each node has it (no registry)
        wait: 120                    # seconds to wait for all replicas to run (0: don't wait)
      delegate_to: m1
    - docker_service: {name: dockyard-check, state: absent}

The probe is ``docker service inspect``. Differences in image, args, replicas, the
per-node limit or constraints are one ``docker service update``; a new service is one
``docker service create``. With ``wait`` the step ends only when that many tasks run
(``docker service ps``), so the task fails if the swarm cannot schedule them.
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

__all__ = ["DockerServiceArgs", "DockerServiceModule", "ServiceSpec", "parse_service"]


@dataclass(frozen=True)
class DockerServiceArgs:
    name: str = arg(required=True, doc="service name")
    state: str = arg("present", choices=("present", "absent"), doc="present or absent")
    image: str | None = arg(None, doc="image reference (state present)")
    args: list[str] = arg([], aliases=("command",), doc="the command and its arguments")
    replicas: int = arg(1, doc="number of tasks")
    max_replicas_per_node: int = arg(0, aliases=("replicas_max_per_node",), doc="at most this many tasks per node; 0: no limit")
    constraints: list[str] = arg([], aliases=("placement_constraints",), doc="placement constraints")
    resolve_image: bool = arg(False, doc="ask a registry for the image digest (needs a registry)")
    wait: int = arg(120, doc="seconds to wait until every replica runs; 0: return at once")


@dataclass(frozen=True)
class ServiceSpec:
    exists: bool = False
    image: str = ""
    args: tuple[str, ...] = ()
    replicas: int = 0
    max_per_node: int = 0
    constraints: tuple[str, ...] = field(default_factory=tuple)

    def text(self) -> str:
        if not self.exists:
            return "absent\n"
        return (f"image: {self.image}\nargs: {list(self.args)}\nreplicas: {self.replicas}\n"
                f"max_replicas_per_node: {self.max_per_node}\nconstraints: {sorted(self.constraints)}\n")


def parse_service(name: str, text: str, host: str) -> ServiceSpec:
    """``docker service inspect --format '{{json .}}'`` output -> ServiceSpec (absent when there is no such service)."""
    data = json_value(text)
    if isinstance(data, dict):
        spec = data.get("Spec") or {}
        template = spec.get("TaskTemplate") or {}
        container = template.get("ContainerSpec") or {}
        placement = template.get("Placement") or {}
        replicated = (spec.get("Mode") or {}).get("Replicated") or {}
        image = str(container.get("Image", "")).split("@sha256:")[0]
        return ServiceSpec(True, image, tuple(container.get("Command") or ()) + tuple(container.get("Args") or ()),
                           int(replicated.get("Replicas", 0)), int(placement.get("MaxReplicas", 0)),
                           tuple(placement.get("Constraints") or ()))
    if "no such service" in text.lower():
        return ServiceSpec()
    raise read_error(f"service {name}", text, host)


def _wait(name: str, replicas: int, seconds: int) -> str:
    """Shell waiting until ``replicas`` tasks of the service run; fails after ``seconds``."""
    if seconds <= 0 or replicas <= 0:
        return ""
    return (f"\nn=0; while [ \"$(docker service ps --filter desired-state=running --format '{{{{.CurrentState}}}}' "
            f"-- {q(name)} | grep -c '^Running')\" -lt {replicas} ]; do n=$((n+1)); "
            f"if [ $n -gt {seconds} ]; then echo 'not all {replicas} replicas of {name} run after {seconds}s:' >&2; "
            f"docker service ps --no-trunc -- {q(name)} >&2; exit 1; fi; sleep 1; done")


@register
class DockerServiceModule(HostModule[DockerServiceArgs, ServiceSpec]):
    name = "docker_service"
    aliases = ("docker_swarm_service",)
    Args = DockerServiceArgs

    def probe(self, args: DockerServiceArgs, ctx: ModuleContext) -> str:
        return f"docker service inspect --format '{{{{json .}}}}' -- {q(args.name)} 2>&1 || true"

    def parse(self, args: DockerServiceArgs, output: CommandResult | None, ctx: ModuleContext) -> ServiceSpec:
        return parse_service(args.name, output.text() if output else "", ctx.host)

    def desired(self, args: DockerServiceArgs, ctx: ModuleContext) -> ServiceSpec:
        if args.state == "absent":
            return ServiceSpec()
        if not args.image:
            raise ModuleError(f"service {args.name} needs 'image'", hint="name an image every node has")
        return ServiceSpec(True, args.image, tuple(args.args), args.replicas, args.max_replicas_per_node,
                           tuple(args.constraints))

    def steps(self, current: ServiceSpec, desired: ServiceSpec, args: DockerServiceArgs) -> list[Step]:
        name = q(args.name)
        diff = Diff(current.text(), desired.text(), args.name, args.name)
        if not desired.exists:
            if not current.exists:
                return []
            return [Step(Action.DELETE, f"remove service {args.name}", f"docker service rm -- {name}", diff=diff)]
        resolve = "" if args.resolve_image else " --no-resolve-image"
        wait = _wait(args.name, desired.replicas, args.wait)
        if not current.exists:
            options = [f"--name {name}", f"--replicas {desired.replicas}"]
            options += [f"--replicas-max-per-node {desired.max_per_node}"] if desired.max_per_node else []
            options += [f"--constraint {q(c)}" for c in desired.constraints]
            words = " ".join(q(word) for word in desired.args)
            return [Step(Action.CREATE, f"create service {args.name} ({desired.replicas} x {desired.image})",
                         f"docker service create --detach --quiet{resolve} {' '.join(options)} {q(desired.image)} {words}"
                         f" >/dev/null{wait}", diff=diff)]
        if current == desired:
            return []
        options = [f"--image {q(desired.image)}", f"--replicas {desired.replicas}",
                   f"--replicas-max-per-node {desired.max_per_node}"]
        options += [f"--constraint-rm {q(c)}" for c in set(current.constraints) - set(desired.constraints)]
        options += [f"--constraint-add {q(c)}" for c in set(desired.constraints) - set(current.constraints)]
        options += [f"--args {q(' '.join(q(word) for word in desired.args))}"] if current.args != desired.args else []
        return [Step(Action.UPDATE, f"update service {args.name}",
                     f"docker service update --detach --quiet{resolve} {' '.join(options)} {name} >/dev/null{wait}",
                     diff=diff)]

    def result(self, args: DockerServiceArgs, current: ServiceSpec, desired: ServiceSpec,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        return {"name": args.name, "state": args.state, "replicas": desired.replicas if desired.exists else 0}
