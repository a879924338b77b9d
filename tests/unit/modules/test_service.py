"""service as data: init.d status + rc links (or systemd) -> planned steps."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from dockyard.connection.base import CommandResult
from dockyard.connection.local import LocalConnection
from dockyard.errors import ModuleError
from dockyard.modules.args import validate
from dockyard.modules.base import ModuleContext
from dockyard.modules.service import ServiceModule
from dockyard.modules.system import render_sections

LINKS = "/etc/rc2.d:\nS01cron\nS01ssh\n\n/etc/rc3.d:\nS01cron\n"

CASES = yaml.safe_load(f"""
- name: start a stopped init.d service
  args: {{name: cron, state: started}}
  running: 3
  links: ""
  steps: [start cron]
- name: a running service is ok
  args: {{name: cron, state: started, enabled: true}}
  running: 0
  links: "{LINKS.encode('unicode_escape').decode()}"
  steps: []
- name: enable adds rc links before starting
  args: {{name: cron, state: started, enabled: true}}
  running: 3
  links: "/etc/rc2.d:\\nK01cron\\n"
  steps: [enable cron at boot, start cron]
- name: disable an enabled service
  args: {{name: cron, enabled: false}}
  running: 0
  links: "{LINKS.encode('unicode_escape').decode()}"
  steps: [disable cron at boot]
- name: a link of another service with a longer name does not count
  args: {{name: cron, enabled: true}}
  running: 0
  links: "/etc/rc2.d:\\nS01crond\\n"
  steps: [enable cron at boot]
- name: restarted is always a change
  args: {{name: cron, state: restarted}}
  running: 0
  links: ""
  steps: [restart cron]
- name: reloaded on a stopped service starts it
  args: {{name: cron, state: reloaded}}
  running: 3
  links: ""
  steps: [start cron]
- name: stopped when stopped is ok
  args: {{name: cron, state: stopped}}
  running: 3
  links: ""
  steps: []
""")


def output(case: dict[str, Any], *, manager: str = "sysv", initd: int = 0) -> CommandResult:
    return CommandResult(0, render_sections({
        "manager": (manager + "\n", 0), "systemd": ("", 1), "initd": ("", initd),
        "running": ("", case["running"]), "links": (case["links"], 0)}), b"")


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in CASES])
def test_sysv_plans(case: dict[str, Any]) -> None:
    module = ServiceModule()
    ctx = ModuleContext(host="h")
    args = validate(module.Args, case["args"], module="service")
    current = module.parse(args, output(case), ctx)
    assert current.manager == "sysv"
    assert [s.summary for s in module.steps(current, module.desired(args, ctx), args)] == case["steps"]


def test_auto_picks_systemd_when_the_probe_finds_it() -> None:
    module = ServiceModule()
    args = validate(module.Args, {"name": "cron", "state": "started"}, module="service")
    out = CommandResult(0, render_sections({
        "manager": ("auto\n", 0), "systemd": ("", 0),
        "show": ("LoadState=loaded\nActiveState=inactive\n", 0), "is-enabled": ("enabled\n", 0),
        "initd": ("", 0), "running": ("", 3), "links": ("", 0)}), b"")
    current = module.parse(args, out, ModuleContext(host="h"))
    (step,) = module.steps(current, current, args)
    assert current.manager == "systemd" and step.command == "systemctl start -- cron"


@pytest.mark.parametrize(("facts", "use", "expected"), [
    ({"ansible_service_mgr": "systemd"}, "auto", "systemd"),
    ({"ansible_service_mgr": "sysvinit"}, "auto", "sysv"),
    ({"ansible_service_mgr": "lab-init"}, "auto", "auto"),
    ({}, "sysvinit", "sysv"),
])
def test_the_manager_comes_from_use_then_facts_then_the_probe(facts: dict[str, str], use: str,
                                                              expected: str) -> None:
    args = validate(ServiceModule.Args, {"name": "cron", "use": use}, module="service")
    probe = ServiceModule().probe(args, ModuleContext(host="h", facts=facts))
    assert f"echo {expected}\n" in probe
    assert ("systemctl" in probe) == (expected != "sysv")
    assert ("/etc/init.d/cron" in probe) == (expected != "systemd")


def test_a_missing_init_script_is_an_error() -> None:
    module = ServiceModule()
    args = validate(module.Args, {"name": "nope", "state": "started"}, module="service")
    current = module.parse(args, output({"running": 3, "links": ""}, initd=1), ModuleContext(host="h"))
    with pytest.raises(ModuleError, match="could not find the requested service nope"):
        module.steps(current, current, args)


def test_the_pattern_probe_never_matches_its_own_command_line() -> None:
    """pgrep -f sees every process's command line, including the probe's own shell's."""
    args = validate(ServiceModule.Args, {"name": "x", "pattern": "dockyard-no-such-process"}, module="service")
    probe = ServiceModule().probe(args, ModuleContext(host="h", facts={"ansible_service_mgr": "sysvinit"}))
    assert "dockyard-no-such-process" not in probe
    out = LocalConnection().run(probe)
    assert b"@@dockyard@@ running\n\n@@dockyard@@ rc 1" in out.stdout


def test_init_script_output_goes_through_a_file_not_the_ssh_channel() -> None:
    module = ServiceModule()
    args = validate(module.Args, {"name": "cron", "state": "restarted", "sleep": 2, "arguments": "-v"},
                    module="service")
    current = module.parse(args, output({"running": 0, "links": ""}), ModuleContext(host="h"))
    (step,) = module.steps(current, current, args)
    assert "{ /etc/init.d/cron stop -v; sleep 2; /etc/init.d/cron start -v; } </dev/null >\"$o\"" in step.command
