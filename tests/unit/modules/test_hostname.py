"""hostname: /etc/hostname and the running name are read together and changed separately."""

from __future__ import annotations

import pytest

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import validate
from dockyard.modules.base import ModuleContext
from dockyard.modules.hostname import HostnameModule
from dockyard.modules.system import render_sections


def plan(name: str, file: str, running: str, systemd: int = 1) -> list[str]:
    module = HostnameModule()
    args = validate(module.Args, {"name": name}, module="hostname")
    out = CommandResult(0, render_sections({"file": (file, 0), "running": (running + "\n", 0),
                                            "systemd": ("", systemd)}), b"")
    ctx = ModuleContext(host="h")
    current = module.parse(args, out, ctx)
    return [s.command for s in module.steps(current, module.desired(args, ctx), args)]


def test_both_differ() -> None:
    assert plan("web01", "old\n", "old") == ["printf '%s\\n' web01 > /etc/hostname", "hostname -- web01"]


def test_only_the_file_differs() -> None:
    assert plan("web01", "# comment\nold\n", "web01") == ["printf '%s\\n' web01 > /etc/hostname"]


def test_same_is_ok() -> None:
    assert plan("web01.example.org", "web01.example.org\n", "web01.example.org") == []


def test_systemd_uses_hostnamectl() -> None:
    assert plan("web01", "old\n", "old", systemd=0) == ["hostnamectl set-hostname -- web01"]


@pytest.mark.parametrize("name", ["-bad", "a..b", "under_score", "x" * 64, "a b"])
def test_invalid_names_are_refused(name: str) -> None:
    args = validate(HostnameModule.Args, {"name": name}, module="hostname")
    with pytest.raises(ModuleError, match="invalid host name"):
        HostnameModule().probe(args, ModuleContext(host="h"))


def test_a_failed_running_name_says_why() -> None:
    module = HostnameModule()
    args = validate(module.Args, {"name": "web01"}, module="hostname")
    out = CommandResult(0, render_sections({"file": ("old\n", 0), "running": ("old\n", 0),
                                            "systemd": ("", 1)}), b"")
    current = module.parse(args, out, ModuleContext(host="h"))
    _, running = module.steps(current, current, args)
    message = module.check_failure(running, CommandResult(1, b"", b"hostname: you must be root"))
    assert message is not None and "CAP_SYS_ADMIN" in message and "docker run --hostname" in message


def test_result_has_ansibles_facts() -> None:
    module = HostnameModule()
    args = validate(module.Args, {"name": "web01.example.org"}, module="hostname")
    state = module.desired(args, ModuleContext(host="h"))
    facts = module.result(args, state, state, [], [])["ansible_facts"]
    assert facts["ansible_hostname"] == "web01" and facts["ansible_domain"] == "example.org"
