"""group: local groups with groupadd / groupmod / groupdel (``ansible.builtin.group``).

Arguments::

    - group:
        name: deploy
        gid: 1500             # optional; changed with groupmod -g when it differs
        system: false         # create as a system group (groupadd -r); ignored for an existing group
        non_unique: false     # allow a gid another group already has (-o)
        state: present        # present | absent
        force: false          # absent: groupdel -f (even if it is a user's primary group)

The probe is ``getent group NAME``. ``system`` only matters when the group is created,
as in Ansible.
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

__all__ = ["GroupArgs", "GroupModule", "GroupState", "parse_group_line"]


@dataclass(frozen=True)
class GroupArgs:
    name: str = arg(required=True, doc="group name")
    state: str = arg("present", choices=("present", "absent"), doc="present or absent")
    gid: int | None = arg(None, doc="numeric group id")
    system: bool = arg(False, doc="create a system group (gid from the system range)")
    non_unique: bool = arg(False, doc="allow a gid that another group has")
    force: bool = arg(False, doc="absent: remove even a user's primary group")
    local: bool = arg(False, doc="accepted for compatibility; dockyard always uses groupadd")


@dataclass(frozen=True)
class GroupState:
    name: str
    exists: bool = False
    gid: int | None = None
    members: tuple[str, ...] = ()


def parse_group_line(name: str, line: str) -> GroupState:
    """``deploy:x:1500:alice,bob`` -> GroupState."""
    fields = line.strip().split(":")
    if len(fields) < 4 or not fields[2].isdigit():
        return GroupState(name)
    members = tuple(m for m in fields[3].split(",") if m)
    return GroupState(name, True, int(fields[2]), members)


@register
class GroupModule(HostModule[GroupArgs, GroupState]):
    steps_run_ahead = True
    name = "group"
    Args = GroupArgs

    def probe(self, args: GroupArgs, ctx: ModuleContext) -> str:
        return f"getent group -- {q(args.name)} || true"

    def parse(self, args: GroupArgs, output: CommandResult | None, ctx: ModuleContext) -> GroupState:
        if output is None or output.rc != 0:
            raise ModuleError(f"cannot read group {args.name}: {output.tail() if output else 'no output'}")
        for line in output.text().splitlines():
            if line.split(":")[0] == args.name:
                return parse_group_line(args.name, line)
        return GroupState(args.name)

    def desired(self, args: GroupArgs, ctx: ModuleContext) -> GroupState:
        return GroupState(args.name, args.state == "present", args.gid)

    def steps(self, current: GroupState, desired: GroupState, args: GroupArgs) -> list[Step]:
        name = q(args.name)
        if args.state == "absent":
            if not current.exists:
                return []
            force = "-f " if args.force else ""
            return [Step(Action.DELETE, f"remove group {args.name}", f"groupdel {force}-- {name}",
                         diff=Diff(f"group {args.name} (gid {current.gid})\n", "absent\n", "group", "group"))]
        unique = "-o " if args.non_unique and args.gid is not None else ""
        gid = f"-g {int(args.gid)} {unique}" if args.gid is not None else ""
        if not current.exists:
            system = "-r " if args.system else ""
            return [Step(Action.CREATE, f"create group {args.name}", f"groupadd {gid}{system}-- {name} && getent group -- {name}",
                         diff=Diff("absent\n", f"group {args.name} (gid {args.gid or 'auto'})\n",
                                   "group", "group"))]
        if args.gid is not None and args.gid != current.gid:
            return [Step(Action.UPDATE, f"gid of group {args.name}: {current.gid} -> {args.gid}",
                         f"groupmod {gid}-- {name}",
                         diff=Diff(f"gid: {current.gid}\n", f"gid: {args.gid}\n", args.name, args.name))]
        return []

    def result(self, args: GroupArgs, current: GroupState, desired: GroupState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        fields: dict[str, Any] = {"name": args.name, "state": args.state}
        if args.state == "present":
            gid = args.gid if args.gid is not None else current.gid
            for result in ran:
                for line in result.text().splitlines():
                    if line.startswith(f"{args.name}:"):
                        gid = parse_group_line(args.name, line).gid
            fields.update(gid=gid, system=args.system)
        return fields
