"""group as data: `getent group` output -> groupadd/groupmod/groupdel steps."""

from __future__ import annotations

from typing import Any

import pytest

from dockyard.connection.base import CommandResult
from dockyard.modules.args import validate
from dockyard.modules.base import ModuleContext
from dockyard.modules.group import GroupModule, parse_group_line


@pytest.mark.parametrize(("raw", "getent", "commands"), [
    ({"name": "web"}, "", ["groupadd -- web && getent group -- web"]),
    ({"name": "web", "gid": 1500, "system": True}, "", ["groupadd -g 1500 -r -- web && getent group -- web"]),
    ({"name": "web"}, "web:x:1500:\n", []),
    ({"name": "web", "gid": 1500}, "web:x:1500:alice\n", []),
    ({"name": "web", "gid": 1600}, "web:x:1500:\n", ["groupmod -g 1600 -- web"]),
    ({"name": "web", "gid": 1600, "non_unique": True}, "web:x:1500:\n", ["groupmod -g 1600 -o -- web"]),
    ({"name": "web", "system": True}, "web:x:1500:\n", []),
    ({"name": "web", "state": "absent"}, "web:x:1500:\n", ["groupdel -- web"]),
    ({"name": "web", "state": "absent", "force": True}, "web:x:1500:\n", ["groupdel -f -- web"]),
    ({"name": "web", "state": "absent"}, "", []),
    ({"name": "web"}, "webadmins:x:1600:\n", ["groupadd -- web && getent group -- web"]),
])
def test_group_plans(raw: dict[str, Any], getent: str, commands: list[str]) -> None:
    module = GroupModule()
    args = validate(module.Args, raw, module="group")
    ctx = ModuleContext(host="h")
    current = module.parse(args, CommandResult(0, getent.encode(), b""), ctx)
    assert [s.command for s in module.steps(current, module.desired(args, ctx), args)] == commands


def test_parse_group_line() -> None:
    state = parse_group_line("web", "web:x:1500:alice,bob")
    assert (state.exists, state.gid, state.members) == (True, 1500, ("alice", "bob"))


def test_result_gid_of_a_new_group_comes_from_the_step_output() -> None:
    module = GroupModule()
    args = validate(module.Args, {"name": "web"}, module="group")
    current = module.parse(args, CommandResult(0, b"", b""), ModuleContext(host="h"))
    fields = module.result(args, current, current, [], [CommandResult(0, b"web:x:1003:\n", b"")])
    assert fields == {"name": "web", "state": "present", "gid": 1003, "system": False}
