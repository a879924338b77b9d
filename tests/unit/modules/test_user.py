"""user as data: getent/id/shadow-digest probe output -> useradd/usermod/userdel steps."""

from __future__ import annotations

from typing import Any

import pytest

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import validate
from dockyard.modules.base import ModuleContext
from dockyard.modules.system import render_sections
from dockyard.modules.user import UserModule, password_digest

HASH = "$6$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5iwMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g."
ALICE = "alice:x:2001:2001:Alice:/home/alice:/bin/bash\n"


def output(passwd: str = ALICE, groups: str = "alice web", own_group: int = 0,
           shadow: tuple[str, int] | None = None) -> CommandResult:
    sections = {"passwd": (passwd, 0 if passwd else 2), "group": ("alice\n" if passwd else "", 0),
                "groups": (groups + "\n" if passwd else "", 0), "own-group": ("", own_group)}
    if shadow is not None:
        sections["shadow"] = shadow
    return CommandResult(0, render_sections(sections), b"")


def plan(raw: dict[str, Any], out: CommandResult) -> list[Any]:
    module = UserModule()
    args = validate(module.Args, raw, module="user")
    ctx = ModuleContext(host="h")
    current = module.parse(args, out, ctx)
    return module.steps(current, module.desired(args, ctx), args)


def test_a_new_user_is_created_with_every_option() -> None:
    (step,) = plan({"name": "bob", "uid": 3000, "groups": ["web", "adm"], "shell": "/bin/sh",
                    "home": "/srv/bob", "comment": "Bob B", "system": True}, output(passwd="", own_group=2))
    assert step.command == ("mkdir -p -- /srv && useradd -u 3000 -G web,adm -c 'Bob B' -d /srv/bob "
                            "-s /bin/sh -m -r -- bob && getent passwd -- bob")


def test_a_group_named_like_the_user_is_used_not_recreated() -> None:
    (step,) = plan({"name": "bob", "create_home": False}, output(passwd="", own_group=0))
    assert "useradd -N -M -- bob" in step.command


def test_an_unchanged_user_is_ok() -> None:
    assert plan({"name": "alice", "uid": 2001, "shell": "/bin/bash", "groups": ["web"],
                 "comment": "Alice", "home": "/home/alice", "group": "alice"}, output()) == []


@pytest.mark.parametrize(("raw", "option"), [
    ({"uid": 2002}, "-u 2002"),
    ({"uid": 2002, "non_unique": True}, "-u 2002 -o"),
    ({"group": "web"}, "-g web"),
    ({"shell": "/bin/sh"}, "-s /bin/sh"),
    ({"home": "/srv/a", "move_home": True}, "-d /srv/a -m"),
    ({"comment": "A. L."}, "-c 'A. L.'"),
    ({"groups": ["adm"]}, "-G adm"),
    ({"groups": ["adm"], "append": True}, "-a -G adm"),
    ({"groups": []}, "-G ''"),
])
def test_each_difference_is_one_usermod_option(raw: dict[str, Any], option: str) -> None:
    (step,) = plan({"name": "alice", **raw}, output())
    assert step.command == f"usermod {option} -- alice && getent passwd -- alice"


def test_append_with_groups_already_held_is_ok() -> None:
    assert plan({"name": "alice", "groups": ["web"], "append": True}, output(groups="alice web adm")) == []


def test_groups_given_as_a_comma_string_like_ansible() -> None:
    assert plan({"name": "alice", "groups": "web"}, output()) == []


def test_the_password_is_compared_by_digest_and_set_through_stdin() -> None:
    same = output(shadow=(password_digest(HASH) + "\nunlocked\n", 0))
    assert plan({"name": "alice", "password": HASH}, same) == []
    other = output(shadow=(password_digest("$6$other$x") + "\nunlocked\n", 0))
    (step,) = plan({"name": "alice", "password": HASH}, other)
    assert step.command == "chpasswd -e" and step.stdin == f"alice:{HASH}\n".encode()
    assert step.sensitive and step.diff is None and HASH not in step.summary


def test_on_create_leaves_an_existing_password_alone() -> None:
    other = output(shadow=(password_digest("$6$other$x") + "\nunlocked\n", 0))
    assert plan({"name": "alice", "password": HASH, "update_password": "on_create"}, other) == []


def test_a_new_user_gets_its_password_after_useradd() -> None:
    steps = plan({"name": "bob", "password": HASH}, output(passwd="", own_group=2, shadow=("", 0)))
    assert [s.command.split()[0] for s in steps] == ["useradd", "chpasswd"]
    assert all(HASH not in s.command for s in steps)


def test_locking_is_its_own_step_and_not_a_password_change() -> None:
    locked = output(shadow=(password_digest(HASH) + "\nlocked\n", 0))
    assert plan({"name": "alice", "password": HASH, "password_lock": True}, locked) == []
    (step,) = plan({"name": "alice", "password_lock": False}, locked)
    assert step.command == "usermod -U -- alice"


def test_reading_a_password_without_root_is_a_clear_error() -> None:
    with pytest.raises(ModuleError, match="needs root"):
        plan({"name": "alice", "password": HASH}, output(shadow=("", 9)))


def test_a_plain_text_password_is_refused() -> None:
    module = UserModule()
    args = validate(module.Args, {"name": "alice", "password": "hunter2"}, module="user")
    with pytest.raises(ModuleError, match="does not look like a crypt"):
        module.probe(args, ModuleContext(host="h"))


def test_the_password_argument_is_marked_no_log() -> None:
    from dockyard.modules.args import arg_specs

    assert {spec.name for spec in arg_specs(UserModule.Args) if spec.no_log} == {"password"}


@pytest.mark.parametrize(("raw", "command"), [
    ({"state": "absent"}, "userdel -- alice"),
    ({"state": "absent", "remove": True, "force": True}, "userdel -r -f -- alice"),
])
def test_absent(raw: dict[str, Any], command: str) -> None:
    (step,) = plan({"name": "alice", **raw}, output())
    assert step.command == command
    assert plan({"name": "alice", **raw}, output(passwd="")) == []


def test_result_reads_the_new_account_from_the_step_output() -> None:
    module = UserModule()
    args = validate(module.Args, {"name": "bob", "password": HASH}, module="user")
    current = module.parse(args, output(passwd="", own_group=2, shadow=("", 0)), ModuleContext(host="h"))
    ran = [CommandResult(0, b"bob:x:1001:1001::/home/bob:/bin/sh\n", b"")]
    fields = module.result(args, current, current, [], ran)
    assert (fields["uid"], fields["group"], fields["home"], fields["shell"]) == (1001, 1001, "/home/bob", "/bin/sh")
    assert fields["password"] == "NOT_LOGGING_PASSWORD"
