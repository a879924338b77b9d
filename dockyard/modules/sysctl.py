"""sysctl: kernel parameters in sysctl.conf and in the running kernel (``ansible.posix.sysctl``).

Arguments::

    - sysctl:
        name: net.ipv4.ip_forward     # alias: key
        value: "1"                    # alias: val
        state: present                # present | absent (the file entry)
        sysctl_file: /etc/sysctl.d/99-forward.conf   # default /etc/sysctl.conf
        reload: true                  # set the running value when the file changed
        sysctl_set: false             # set the running value whenever it differs
        ignoreerrors: false           # an unknown key is not an error

The file and the running kernel are separate: :func:`edit_sysctl_file` is a pure text
edit (``name=value``, duplicates dropped, other lines kept) written atomically, and the
running value is read with ``sysctl -n`` and set with ``sysctl -w`` only when it differs.
Where ``/proc/sys`` is read-only (containers) and the running value must change, the
task fails before changing anything and says so; ``reload: false`` manages the file alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Action, Diff, HostModule, ModuleContext, Step, q
from dockyard.modules.registry import register
from dockyard.modules.system import Section, parse_sections, sections_probe, write_file_step
from dockyard.values import TRUE_WORDS

__all__ = ["SysctlArgs", "SysctlModule", "SysctlState", "edit_sysctl_file", "normalize_value"]

FALSE_VALUES = ("no", "false", "off")


@dataclass(frozen=True)
class SysctlArgs:
    name: str = arg(required=True, aliases=("key",), doc="the dotted key, e.g. vm.swappiness")
    value: str | None = arg(None, aliases=("val",), doc="the value (required for state: present)")
    state: str = arg("present", choices=("present", "absent"), doc="the entry in sysctl_file")
    sysctl_file: str = arg("/etc/sysctl.conf", doc="the file to edit")
    reload: bool = arg(True, doc="set the running value when the file changed")
    sysctl_set: bool = arg(False, doc="set the running value whenever it differs")
    ignoreerrors: bool = arg(False, doc="do not fail on an unknown key")


@dataclass(frozen=True)
class SysctlState:
    content: str | None = None
    running: str | None = None
    known: bool = True
    writable: bool = True


def normalize_value(value: str) -> str:
    """Ansible's comparison form: booleans as 1/0, whitespace runs as one space."""
    text = str(value).strip()
    if text.lower() in TRUE_WORDS - {"1"}:
        return "1"
    if text.lower() in FALSE_VALUES:
        return "0"
    return " ".join(text.split())


def _key(name: str) -> str:
    return name.strip().replace("/", ".")


def edit_sysctl_file(text: str, name: str, value: str | None) -> str:
    """``text`` with ``name=value`` set (first occurrence kept in place) or removed (value None)."""
    lines = text.splitlines()
    out: list[str] = []
    done = False
    for line in lines:
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", ";")) and "=" in stripped:
            key = _key(stripped.split("=", 1)[0])
            if key == name:
                if value is not None and not done:
                    current = normalize_value(stripped.split("=", 1)[1])
                    out.append(line if current == value else f"{name}={value}")
                    done = True
                continue
        out.append(line)
    if value is not None and not done:
        out.append(f"{name}={value}")
    if out == lines:
        return text
    return "\n".join(out) + "\n" if out else ""


def _proc_path(name: str) -> str:
    return "/proc/sys/" + name.replace(".", "/")


@register
class SysctlModule(HostModule[SysctlArgs, SysctlState]):
    name = "sysctl"
    Args = SysctlArgs

    def probe(self, args: SysctlArgs, ctx: ModuleContext) -> str:
        if args.state == "present" and args.value is None:
            raise ModuleError(f"sysctl {args.name}: state present needs a value", hint="add 'value: ...'")
        proc = q(_proc_path(_key(args.name)))
        return sections_probe({
            "file": f"cat -- {q(args.sysctl_file)}",
            "running": f"sysctl -n -- {q(_key(args.name))}",
            "writable": f"[ -w {proc} ]",
        })

    def parse(self, args: SysctlArgs, output: CommandResult | None, ctx: ModuleContext) -> SysctlState:
        sections = parse_sections(output, what=f"sysctl {args.name} on {ctx.host}")
        file: Section = sections["file"]
        running = sections["running"]
        return SysctlState(file.text if file.ok else None,
                           normalize_value(running.text) if running.ok else None,
                           known=running.ok, writable=sections["writable"].ok)

    def desired(self, args: SysctlArgs, ctx: ModuleContext) -> SysctlState:
        value = normalize_value(args.value) if args.value is not None else None
        return SysctlState(running=value)

    def steps(self, current: SysctlState, desired: SysctlState, args: SysctlArgs) -> list[Step]:
        name = _key(args.name)
        value = desired.running if args.state == "present" else None
        before = current.content or ""
        after = edit_sysctl_file(before, name, value)
        file_changes = after != before
        steps = []
        if file_changes:
            steps.append(write_file_step(args.sysctl_file, current.content, after,
                                         summary=f"{'set' if value else 'remove'} {name} in {args.sysctl_file}"))
        wants_runtime = value is not None and (args.sysctl_set or (args.reload and file_changes))
        if wants_runtime and not current.known:
            if args.ignoreerrors:
                return steps
            raise ModuleError(f"the running kernel has no parameter {name}",
                              hint="check the name, or set ignoreerrors: true")
        if wants_runtime and current.running != value:
            if not current.writable:
                raise ModuleError(
                    f"cannot set the running value of {name} ({current.running} -> {value}): "
                    f"{_proc_path(name)} is read-only on this host (a container?)",
                    hint="set 'reload: false' (and sysctl_set: false) to manage only the file, "
                    "or give the value when the container starts (docker run --sysctl)")
            steps.append(Step(Action.UPDATE, f"set the running {name} to {value}",
                              f"sysctl -w -- {q(f'{name}={value}')}",
                              diff=Diff(f"{name} = {current.running}\n", f"{name} = {value}\n",
                                        "running kernel", "running kernel")))
        return steps

    def result(self, args: SysctlArgs, current: SysctlState, desired: SysctlState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        return {"name": _key(args.name), "value": desired.running, "state": args.state,
                "sysctl_file": args.sysctl_file}
