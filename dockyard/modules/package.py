"""package: install or remove packages with whatever package manager the host has.

Arguments (Ansible's ``ansible.builtin.package``)::

    - package:
        name: [curl, git]     # a list or "a,b"; NAME=VERSION where the manager allows it
        state: present        # present | absent | latest (when the manager supports it)
        use: auto             # auto: the fact ansible_pkg_mgr, else detected on the host

The package manager comes from ``use``, else from the gathered fact ``ansible_pkg_mgr``.
Without facts, the probe itself looks for ``apt-get``. Only apt is implemented; any other
manager is a clear error naming it. The work is then the apt module's, step for step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.apt import AptArgs, AptModule, AptState
from dockyard.modules.args import arg
from dockyard.modules.base import HostModule, ModuleContext, Step
from dockyard.modules.registry import register
from dockyard.modules.system import fact

__all__ = ["PackageArgs", "PackageModule"]

SUPPORTED = ("apt",)
DETECT = "command -v apt-get >/dev/null 2>&1 && echo apt || echo unknown"


@dataclass(frozen=True)
class PackageArgs:
    name: list[str] = arg(required=True, doc="package names (a list or comma-separated)")
    state: str = arg(required=True, choices=("present", "absent", "latest"),
                     doc="present, absent, or latest")
    use: str = arg("auto", doc="the package manager to use (auto: from facts or detected)")


def _apt_args(args: PackageArgs) -> AptArgs:
    return AptArgs(name=list(args.name), state=args.state)


def manager(args: PackageArgs, ctx: ModuleContext) -> str | None:
    """The package manager to use, or None when it must be detected on the host."""
    if args.use != "auto":
        return args.use
    name = fact(ctx.facts, "pkg_mgr")
    if name is None:
        name = ctx.variables.get("ansible_package_use")
    return str(name) if name else None


def _unsupported(name: str, host: str) -> ModuleError:
    return ModuleError(f"package: the package manager '{name}' of {host} is not supported",
                       host=host, hint=f"dockyard's package module supports: {', '.join(SUPPORTED)}")


@register
class PackageModule(HostModule[PackageArgs, AptState]):
    name = "package"
    Args = PackageArgs

    def __init__(self) -> None:
        self.apt = AptModule()

    def probe(self, args: PackageArgs, ctx: ModuleContext) -> str:
        chosen = manager(args, ctx)
        if chosen is not None and chosen not in SUPPORTED:
            raise _unsupported(chosen, ctx.host)
        inner = self.apt.probe(_apt_args(args), ctx)
        if chosen is not None:
            return inner
        return f"if [ \"$({DETECT})\" = apt ]; then\n{inner}\nelse echo 'pkg_mgr=unknown'; fi"

    def parse(self, args: PackageArgs, output: CommandResult | None, ctx: ModuleContext) -> AptState:
        if output is not None and output.stdout.startswith(b"pkg_mgr=unknown"):
            raise ModuleError(f"package: no supported package manager found on {ctx.host}",
                              host=ctx.host, hint=f"supported: {', '.join(SUPPORTED)}; "
                              "or gather facts so that ansible_pkg_mgr names it")
        return self.apt.parse(_apt_args(args), output, ctx)

    def desired(self, args: PackageArgs, ctx: ModuleContext) -> AptState:
        return self.apt.desired(_apt_args(args), ctx)

    def steps(self, current: AptState, desired: AptState, args: PackageArgs) -> list[Step]:
        return self.apt.steps(current, desired, _apt_args(args))

    def result(self, args: PackageArgs, current: AptState, desired: AptState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        return self.apt.result(_apt_args(args), current, desired, steps, ran)
