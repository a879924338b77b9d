"""service: start, stop and enable services with systemd or with init.d scripts.

Arguments (Ansible's ``ansible.builtin.service``)::

    - service:
        name: cron
        state: started        # started | stopped | restarted | reloaded
        enabled: true         # start at boot
        pattern: "cron -f"    # sysv: decide "running" by a process match, not `status`
        sleep: 2              # restarted (sysv): seconds between stop and start
        arguments: ""         # sysv: extra words after the action (alias args)
        use: auto             # auto | systemd | sysvinit

Which manager: ``use``, else the fact ``ansible_service_mgr`` when it is systemd or
sysvinit, else the probe (systemd when ``/run/systemd/system`` exists and ``systemctl``
is there). With systemd this is the ``systemd`` module. Without it (containers, older
hosts) it drives ``/etc/init.d/NAME``: ``status`` (exit 0 = running, per LSB) or a
``pgrep -f`` of ``pattern``; enabled means an ``S??NAME`` link in ``/etc/rc[2-5].d``,
changed with ``update-rc.d`` (or ``chkconfig``). ``restarted`` and ``reloaded`` are a
change on every run, as in Ansible.
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
from dockyard.modules.system import Section, fact, parse_sections, sections_probe
from dockyard.modules.systemd import (
    STATES,
    ServiceState,
    SystemdArgs,
    parse_systemd,
    service_result,
    state_action,
    systemd_probe,
    systemd_steps,
)

__all__ = ["ServiceArgs", "ServiceModule", "parse_sysv", "sysv_steps"]

SYSV_NAMES = ("sysvinit", "sysv", "service", "openrc", "upstart")
RC_DIRS = "/etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d /etc/rc.d/rc2.d /etc/rc.d/rc3.d /etc/rc.d/rc4.d /etc/rc.d/rc5.d"


@dataclass(frozen=True)
class ServiceArgs:
    name: str = arg(required=True, doc="the service (init script or systemd unit)")
    state: str | None = arg(None, choices=STATES, doc="started, stopped, restarted or reloaded")
    enabled: bool | None = arg(None, doc="start at boot")
    sleep: int | None = arg(None, doc="restarted: seconds between stop and start (sysv)")
    pattern: str | None = arg(None, doc="sysv: a process match (pgrep -f) meaning 'running'")
    runlevel: str = arg("default", doc="accepted for compatibility; links go to runlevels 2-5")
    arguments: str = arg("", aliases=("args",), doc="sysv: extra arguments after the action")
    use: str = arg("auto", doc="auto, systemd or sysvinit")


def _octal(text: str) -> str:
    """``text`` as printf octal escapes, so that a probe's own command line never matches it."""
    return "".join(f"\\{byte:03o}" for byte in text.encode())


def sysv_probe(args: ServiceArgs) -> dict[str, str]:
    script = q(f"/etc/init.d/{args.name}")
    if args.pattern:
        running = f"p=$(printf '{_octal(args.pattern)}'); pgrep -f -- \"$p\" >/dev/null"
    else:
        running = f"{script} status </dev/null >/dev/null 2>&1"
    return {
        "initd": f"[ -x {script} ]",
        "running": running,
        "links": f"ls -1 {RC_DIRS}",
    }


def parse_sysv(args: ServiceArgs, sections: dict[str, Section]) -> ServiceState:
    link = re.compile(rf"^S\d\d{re.escape(args.name)}$")
    enabled = any(link.match(line) for line in sections["links"].lines())
    return ServiceState(args.name, "sysv", exists=sections["initd"].ok,
                        running=sections["running"].ok, enabled=enabled)


def _quiet(command: str) -> str:
    """Run an init script without letting a daemon it starts hold the SSH channel open."""
    return (f"o=$(mktemp); {{ {command}; }} </dev/null >\"$o\" 2>&1; rc=$?; "
            "cat \"$o\"; rm -f \"$o\"; exit $rc")


def _enable_command(name: str, enabled: bool) -> str:
    n = q(name)
    rc_d = (f"update-rc.d {n} defaults >/dev/null && update-rc.d {n} enable" if enabled
            else f"update-rc.d {n} defaults >/dev/null && update-rc.d {n} disable")
    chk = f"chkconfig {n} {'on' if enabled else 'off'}"
    return (f"if command -v update-rc.d >/dev/null; then {rc_d}; "
            f"elif command -v chkconfig >/dev/null; then {chk}; "
            "else echo 'neither update-rc.d nor chkconfig found' >&2; exit 1; fi")


def sysv_steps(current: ServiceState, args: ServiceArgs) -> list[Step]:
    """Steps for an init.d service: enabled first, then state (Ansible's order)."""
    if (args.state is not None or args.enabled is not None) and not current.exists:
        raise ModuleError(f"could not find the requested service {args.name}",
                          hint=f"there is no executable /etc/init.d/{args.name} on the host")
    steps: list[Step] = []
    if args.enabled is not None and args.enabled != current.enabled:
        verb = "enable" if args.enabled else "disable"
        steps.append(Step(Action.UPDATE, f"{verb} {args.name} at boot", _enable_command(args.name, args.enabled),
                          diff=Diff(f"enabled: {str(current.enabled).lower()}\n",
                                    f"enabled: {str(args.enabled).lower()}\n", args.name, args.name)))
    action = state_action(args.state, current.running)
    if action is None:
        return steps
    script = q(f"/etc/init.d/{args.name}")
    extra = f" {args.arguments}" if args.arguments else ""
    if action == "restart" and args.sleep:
        command = f"{script} stop{extra}; sleep {int(args.sleep)}; {script} start{extra}"
    else:
        command = f"{script} {action}{extra}"
    diff = None
    if action in ("start", "stop"):
        diff = Diff(f"state: {'running' if current.running else 'stopped'}\n",
                    f"state: {'running' if action == 'start' else 'stopped'}\n", args.name, args.name)
    steps.append(Step(Action.RUN, f"{action} {args.name}", _quiet(command), diff=diff))
    return steps


def _manager(args: ServiceArgs, ctx: ModuleContext) -> str:
    """systemd, sysv, or auto (the probe decides)."""
    chosen = args.use if args.use != "auto" else str(fact(ctx.facts, "service_mgr") or "auto")
    if chosen == "systemd":
        return "systemd"
    if chosen in SYSV_NAMES:
        return "sysv"
    if args.use != "auto":
        raise ModuleError(f"service: unsupported 'use: {args.use}'", hint="use auto, systemd or sysvinit")
    return "auto"


def _systemd_args(args: ServiceArgs) -> SystemdArgs:
    return SystemdArgs(name=args.name, state=args.state, enabled=args.enabled)


@register
class ServiceModule(HostModule[ServiceArgs, ServiceState]):
    name = "service"
    Args = ServiceArgs

    def probe(self, args: ServiceArgs, ctx: ModuleContext) -> str:
        manager = _manager(args, ctx)
        snippets = {"manager": f"echo {manager}"}
        if manager != "sysv":
            snippets.update(systemd_probe(_systemd_args(args)))
        if manager != "systemd":
            snippets.update(sysv_probe(args))
        return sections_probe(snippets)

    def parse(self, args: ServiceArgs, output: CommandResult | None, ctx: ModuleContext) -> ServiceState:
        sections = parse_sections(output, what=f"service {args.name} on {ctx.host}")
        manager = sections["manager"].text.strip()
        if manager == "auto":
            manager = "systemd" if sections["systemd"].ok else "sysv"
        if manager == "systemd":
            return parse_systemd(_systemd_args(args), sections, ctx.host)
        return parse_sysv(args, sections)

    def desired(self, args: ServiceArgs, ctx: ModuleContext) -> ServiceState:
        return ServiceState(args.name, exists=True, running=args.state not in (None, "stopped"),
                            enabled=bool(args.enabled))

    def steps(self, current: ServiceState, desired: ServiceState, args: ServiceArgs) -> list[Step]:
        if current.manager == "systemd":
            return systemd_steps(current, _systemd_args(args))
        return sysv_steps(current, args)

    def result(self, args: ServiceArgs, current: ServiceState, desired: ServiceState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        return service_result(args.name, args.state, args.enabled, current, steps)
