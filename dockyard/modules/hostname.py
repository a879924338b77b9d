"""hostname: the host's name, persistent and running (``ansible.builtin.hostname``).

Arguments::

    - hostname:
        name: web01.example.org
        use: debian            # optional strategy; default: systemd if it runs, else the file

Two things are managed, read by one probe and changed by separate steps:

- persistent: ``/etc/hostname`` (written in place: container runtimes bind-mount it,
  so a rename over it would fail); with systemd, ``hostnamectl set-hostname`` does both.
- running: ``hostname NAME`` (the kernel's UTS name).

Setting the running name needs CAP_SYS_ADMIN, which containers normally lack; that
step then fails with a message saying so (set the name with ``docker run --hostname``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Action, Diff, HostModule, ModuleContext, Step, q
from dockyard.modules.registry import register
from dockyard.modules.system import parse_sections, sections_probe

__all__ = ["HostnameArgs", "HostnameModule", "HostnameState"]

STRATEGIES = ("alpine", "debian", "freebsd", "generic", "macos", "macosx", "darwin", "openbsd",
              "openrc", "redhat", "sles", "solaris", "systemd")
FILE_STRATEGIES = ("alpine", "debian", "generic", "openrc", "redhat", "sles")
_NAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
RUNNING_SUMMARY = "set the running host name"


@dataclass(frozen=True)
class HostnameArgs:
    name: str = arg(required=True, doc="the new host name (short or fully qualified)")
    use: str | None = arg(None, choices=STRATEGIES, doc="strategy (default: systemd or the file)")


@dataclass(frozen=True)
class HostnameState:
    persistent: str = ""
    running: str = ""
    systemd: bool = False


@register
class HostnameModule(HostModule[HostnameArgs, HostnameState]):
    name = "hostname"
    Args = HostnameArgs

    def probe(self, args: HostnameArgs, ctx: ModuleContext) -> str:
        if not _NAME.match(args.name):
            raise ModuleError(f"invalid host name {args.name!r}",
                              hint="letters, digits and '-', in dot-separated labels of at most 63")
        if args.use is not None and args.use not in (*FILE_STRATEGIES, "systemd"):
            raise ModuleError(f"hostname strategy '{args.use}' is not supported",
                              hint=f"use one of: {', '.join((*FILE_STRATEGIES, 'systemd'))}")
        return sections_probe({
            "file": "cat /etc/hostname",
            "running": "hostname",
            "systemd": "[ -d /run/systemd/system ] && command -v hostnamectl >/dev/null",
        })

    def parse(self, args: HostnameArgs, output: CommandResult | None, ctx: ModuleContext) -> HostnameState:
        sections = parse_sections(output, what=f"the host name of {ctx.host}")
        lines = [ln.strip() for ln in sections["file"].lines() if ln.strip() and not ln.startswith("#")]
        systemd = sections["systemd"].ok if args.use is None else args.use == "systemd"
        return HostnameState(lines[0] if lines else "", sections["running"].text.strip(), systemd)

    def desired(self, args: HostnameArgs, ctx: ModuleContext) -> HostnameState:
        return HostnameState(args.name, args.name)

    def steps(self, current: HostnameState, desired: HostnameState, args: HostnameArgs) -> list[Step]:
        name = args.name
        if current.systemd:
            if current.persistent == name and current.running == name:
                return []
            return [Step(Action.UPDATE, f"set the host name to {name} (hostnamectl)",
                         f"hostnamectl set-hostname -- {q(name)}",
                         diff=Diff(f"hostname: {current.running}\n", f"hostname: {name}\n"))]
        steps = []
        if current.persistent != name:
            steps.append(Step(Action.UPDATE, f"write {name} to /etc/hostname",
                              f"printf '%s\\n' {q(name)} > /etc/hostname",
                              diff=Diff(f"{current.persistent}\n", f"{name}\n",
                                        "/etc/hostname (before)", "/etc/hostname (after)")))
        if current.running != name:
            steps.append(Step(Action.UPDATE, f"{RUNNING_SUMMARY} to {name}", f"hostname -- {q(name)}",
                              diff=Diff(f"running: {current.running}\n", f"running: {name}\n")))
        return steps

    def check_failure(self, step: Step, result: CommandResult) -> str | None:
        if result.rc != 0 and step.summary.startswith(RUNNING_SUMMARY):
            return (f"{step.summary} failed: {result.tail()} -- the host lacks CAP_SYS_ADMIN "
                    "(a container?); /etc/hostname was updated, but the running name of a "
                    "container is set by its runtime (docker run --hostname)")
        return super().check_failure(step, result)

    def result(self, args: HostnameArgs, current: HostnameState, desired: HostnameState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        short, _, domain = args.name.partition(".")
        return {"name": args.name, "ansible_facts": {
            "ansible_hostname": short, "ansible_nodename": args.name,
            "ansible_fqdn": args.name, "ansible_domain": domain}}
