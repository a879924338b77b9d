"""systemd: start, stop, enable, mask units with systemctl (``ansible.builtin.systemd``).

Arguments::

    - systemd:
        name: nginx.service     # aliases: service, unit
        state: started          # started | stopped | restarted | reloaded
        enabled: true
        masked: false
        daemon_reload: true     # reload unit files first (when systemd says they changed)
        scope: system           # system | user | global
        no_block: false

One probe reads ``systemctl show`` (LoadState, ActiveState, NeedDaemonReload, ...) and
``systemctl is-enabled``. ``restarted`` and ``reloaded`` are a change on every run, as in
Ansible; a stopped unit asked to be reloaded is started. ``daemon_reload`` plans a
``systemctl daemon-reload`` only when systemd reports changed unit files
(``NeedDaemonReload=yes``) or does not know the unit yet. On a host where systemd is not
PID 1 (most containers) this module fails with a clear message; ``service`` works on both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Action, Diff, HostModule, ModuleContext, Step, q
from dockyard.modules.registry import register
from dockyard.modules.system import Section, parse_sections, sections_probe

__all__ = [
    "STATES",
    "ServiceState",
    "SystemdArgs",
    "SystemdModule",
    "parse_systemd",
    "state_action",
    "systemd_probe",
    "systemd_steps",
]

STATES = ("started", "stopped", "restarted", "reloaded")
IS_SYSTEMD = "[ -d /run/systemd/system ] && command -v systemctl >/dev/null"
RUNNING = ("active", "activating", "reloading")


@dataclass(frozen=True)
class ServiceState:
    """A service as its manager reports it. ``manager`` is ``systemd`` or ``sysv``."""

    name: str
    manager: str = "systemd"
    exists: bool = False
    running: bool = False
    enabled: bool = False
    masked: bool = False
    needs_reload: bool = False
    status: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SystemdArgs:
    name: str | None = arg(None, aliases=("service", "unit"), doc="the unit (nginx or nginx.service)")
    state: str | None = arg(None, choices=STATES, doc="started, stopped, restarted or reloaded")
    enabled: bool | None = arg(None, doc="start at boot")
    force: bool | None = arg(None, doc="enable/disable/mask with --force")
    masked: bool | None = arg(None, doc="mask the unit (it cannot be started at all)")
    daemon_reload: bool = arg(False, aliases=("daemon-reload",), doc="systemctl daemon-reload first")
    daemon_reexec: bool = arg(False, aliases=("daemon-reexec",), doc="systemctl daemon-reexec first")
    scope: str = arg("system", choices=("system", "user", "global"), doc="which systemd instance")
    no_block: bool = arg(False, doc="do not wait for start/stop to finish")


def _systemctl(args: SystemdArgs) -> str:
    scope = "" if args.scope == "system" else f" --{args.scope}"
    return f"systemctl{scope}"


def systemd_probe(args: SystemdArgs) -> dict[str, str]:
    """Probe snippets that read a unit (``name`` may be None for daemon_reload only)."""
    snippets = {"systemd": IS_SYSTEMD}
    if args.name:
        unit = q(args.name)
        snippets["show"] = f"{_systemctl(args)} show -- {unit}"
        snippets["is-enabled"] = f"{_systemctl(args)} is-enabled -- {unit}"
    return snippets


def parse_systemd(args: SystemdArgs, sections: dict[str, Section], host: str) -> ServiceState:
    if not sections["systemd"].ok:
        raise ModuleError(f"systemd is not running on {host}",
                          host=host, hint="use the 'service' module, which also manages init.d scripts")
    if not args.name:
        return ServiceState("")
    status = dict(line.split("=", 1) for line in sections["show"].lines() if "=" in line)
    enabled_text = sections["is-enabled"].text.strip()
    load = status.get("LoadState", "not-found")
    return ServiceState(
        args.name, "systemd",
        exists=load not in ("not-found", ""),
        running=status.get("ActiveState", "") in RUNNING,
        enabled=sections["is-enabled"].ok and enabled_text not in ("enabled-runtime", "indirect", "alias"),
        masked=load == "masked" or enabled_text == "masked",
        needs_reload=status.get("NeedDaemonReload") == "yes",
        status=status,
    )


def state_action(state: str | None, running: bool) -> str | None:
    """The verb that brings a service to ``state``: start, stop, restart, reload or None."""
    if state == "started":
        return None if running else "start"
    if state == "stopped":
        return "stop" if running else None
    if state in ("restarted", "reloaded"):
        return state[:-2] if running else "start"
    return None


def _check_found(current: ServiceState, args: SystemdArgs, reloading: bool) -> None:
    wants = args.state is not None or args.enabled is not None
    if wants and not current.exists and not reloading:
        raise ModuleError(f"could not find the requested service {args.name}",
                          hint="check the unit name, or install it and add 'daemon_reload: true'")


def systemd_steps(current: ServiceState, args: SystemdArgs) -> list[Step]:
    """daemon-reexec, daemon-reload, mask, enable, state: Ansible's order."""
    ctl = _systemctl(args)
    unit = q(args.name or "")
    force = " --force" if args.force else ""
    steps: list[Step] = []
    if args.daemon_reexec:
        steps.append(Step(Action.RUN, "systemctl daemon-reexec", f"{ctl} daemon-reexec"))
    reloading = args.daemon_reload and (current.needs_reload or not current.exists)
    if reloading:
        steps.append(Step(Action.RUN, "systemctl daemon-reload", f"{ctl} daemon-reload"))
    if not args.name:
        return steps
    _check_found(current, args, reloading)
    if args.masked is not None and args.masked != current.masked:
        verb = "mask" if args.masked else "unmask"
        steps.append(Step(Action.UPDATE, f"{verb} {args.name}", f"{ctl}{force} {verb} -- {unit}",
                          diff=_diff(args.name, "masked", current.masked, args.masked)))
    if args.enabled is not None and args.enabled != current.enabled:
        verb = "enable" if args.enabled else "disable"
        steps.append(Step(Action.UPDATE, f"{verb} {args.name}", f"{ctl}{force} {verb} -- {unit}",
                          diff=_diff(args.name, "enabled", current.enabled, args.enabled)))
    action = state_action(args.state, current.running)
    if action is not None:
        block = " --no-block" if args.no_block else ""
        steps.append(Step(Action.RUN, f"{action} {args.name}", f"{ctl}{block} {action} -- {unit}",
                          diff=_running_diff(args.name, current.running, action)))
    return steps


def _diff(name: str, what: str, before: bool, after: bool) -> Diff:
    return Diff(f"{what}: {str(before).lower()}\n", f"{what}: {str(after).lower()}\n", name, name)


def _running_diff(name: str, running: bool, action: str) -> Diff | None:
    if action in ("start", "stop"):
        before = "running" if running else "stopped"
        after = "running" if action == "start" else "stopped"
        return Diff(f"state: {before}\n", f"state: {after}\n", name, name)
    return None


def service_result(name: str, state: str | None, enabled: bool | None,
                   current: ServiceState, steps: Sequence[Step]) -> dict[str, Any]:
    """Ansible's fields: name, state (started/stopped), enabled, status."""
    fields: dict[str, Any] = {"name": name}
    if state is not None:
        fields["state"] = "stopped" if state == "stopped" else "started"
    if enabled is not None:
        fields["enabled"] = enabled
    if current.status:
        fields["status"] = dict(current.status)
    return fields


@register
class SystemdModule(HostModule[SystemdArgs, ServiceState]):
    name = "systemd"
    aliases = ("systemd_service",)
    Args = SystemdArgs

    def probe(self, args: SystemdArgs, ctx: ModuleContext) -> str:
        if not args.name and not (args.daemon_reload or args.daemon_reexec):
            raise ModuleError("systemd needs 'name' (or daemon_reload / daemon_reexec)",
                              hint="add 'name: UNIT'")
        return sections_probe(systemd_probe(args))

    def parse(self, args: SystemdArgs, output: CommandResult | None, ctx: ModuleContext) -> ServiceState:
        return parse_systemd(args, parse_sections(output, what=f"systemd on {ctx.host}"), ctx.host)

    def desired(self, args: SystemdArgs, ctx: ModuleContext) -> ServiceState:
        return ServiceState(args.name or "", "systemd", exists=True,
                            running=args.state not in (None, "stopped"), enabled=bool(args.enabled))

    def steps(self, current: ServiceState, desired: ServiceState, args: SystemdArgs) -> list[Step]:
        return systemd_steps(current, args)

    def result(self, args: SystemdArgs, current: ServiceState, desired: ServiceState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        return service_result(args.name or "", args.state, args.enabled, current, steps)
