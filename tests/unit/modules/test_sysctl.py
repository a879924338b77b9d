"""sysctl: the file edit is pure and separate from the running kernel's value."""

from __future__ import annotations

from typing import Any

import pytest

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import validate
from dockyard.modules.base import ModuleContext
from dockyard.modules.sysctl import SysctlModule, edit_sysctl_file, normalize_value
from dockyard.modules.system import render_sections


@pytest.mark.parametrize(("before", "name", "value", "after"), [
    ("", "vm.swappiness", "10", "vm.swappiness=10\n"),
    ("# c\nvm.swappiness = 60\nx=1\n", "vm.swappiness", "10", "# c\nvm.swappiness=10\nx=1\n"),
    ("vm.swappiness = 10\n", "vm.swappiness", "10", "vm.swappiness = 10\n"),
    ("vm.swappiness=10", "vm.swappiness", "10", "vm.swappiness=10"),
    ("a=1\nvm.swappiness=1\nvm.swappiness=2\n", "vm.swappiness", "10", "a=1\nvm.swappiness=10\n"),
    ("#vm.swappiness=1\n", "vm.swappiness", "10", "#vm.swappiness=1\nvm.swappiness=10\n"),
    ("a=1\nvm.swappiness=1\n", "vm.swappiness", None, "a=1\n"),
    ("a=1\n", "vm.swappiness", None, "a=1\n"),
    ("net/ipv4/ip_forward=0\n", "net.ipv4.ip_forward", "1", "net.ipv4.ip_forward=1\n"),
    ("r = 4096\t87380 6291456\n", "r", "4096 87380 6291456", "r = 4096\t87380 6291456\n"),
])
def test_edit_sysctl_file(before: str, name: str, value: str | None, after: str) -> None:
    assert edit_sysctl_file(before, name, value) == after


@pytest.mark.parametrize(("raw", "expected"), [("1", "1"), ("yes", "1"), ("True", "1"), ("off", "0"),
                                               (" 4096\t 87380  ", "4096 87380")])
def test_normalize_value(raw: str, expected: str) -> None:
    assert normalize_value(raw) == expected


def plan(raw: dict[str, Any], file: tuple[str, int], running: tuple[str, int],
         writable: int = 0) -> list[Any]:
    module = SysctlModule()
    args = validate(module.Args, raw, module="sysctl")
    ctx = ModuleContext(host="h")
    out = CommandResult(0, render_sections({"file": file, "running": running, "writable": ("", writable)}), b"")
    current = module.parse(args, out, ctx)
    return module.steps(current, module.desired(args, ctx), args)


def test_file_change_with_reload_sets_the_running_value() -> None:
    write, runtime = plan({"name": "vm.swappiness", "value": 10}, ("", 0), ("60\n", 0))
    assert write.stdin == b"vm.swappiness=10\n"
    assert runtime.command == "sysctl -w -- vm.swappiness=10"


def test_running_value_already_right_needs_no_runtime_step() -> None:
    (write,) = plan({"name": "vm.swappiness", "value": 10}, ("", 0), ("10\n", 0), writable=1)
    assert write.summary == "set vm.swappiness in /etc/sysctl.conf"


def test_reload_only_follows_a_file_change_but_sysctl_set_always_checks() -> None:
    assert plan({"name": "vm.swappiness", "value": 10}, ("vm.swappiness=10\n", 0), ("60\n", 0)) == []
    (runtime,) = plan({"name": "vm.swappiness", "value": 10, "sysctl_set": True},
                      ("vm.swappiness=10\n", 0), ("60\n", 0))
    assert runtime.summary == "set the running vm.swappiness to 10"


def test_a_read_only_proc_fails_before_anything_changes() -> None:
    with pytest.raises(ModuleError, match="read-only") as error:
        plan({"name": "vm.swappiness", "value": 10}, ("", 0), ("60\n", 0), writable=1)
    assert error.value.hint is not None and "reload: false" in error.value.hint


def test_reload_false_manages_only_the_file() -> None:
    (write,) = plan({"name": "vm.swappiness", "value": 10, "reload": False}, ("", 1), ("60\n", 0), writable=1)
    assert write.summary == "set vm.swappiness in /etc/sysctl.conf"


def test_an_unknown_key_is_an_error_unless_ignored() -> None:
    with pytest.raises(ModuleError, match=r"no parameter net\.nope"):
        plan({"name": "net.nope", "value": 1}, ("", 0), ("", 255))
    assert len(plan({"name": "net.nope", "value": 1, "ignoreerrors": True}, ("", 0), ("", 255))) == 1


def test_present_needs_a_value() -> None:
    args = validate(SysctlModule.Args, {"name": "vm.swappiness"}, module="sysctl")
    with pytest.raises(ModuleError, match="needs a value"):
        SysctlModule().probe(args, ModuleContext(host="h"))
