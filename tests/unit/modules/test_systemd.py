"""systemd as data: `systemctl show` + `is-enabled` output -> planned systemctl steps."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import validate
from dockyard.modules.base import ModuleContext
from dockyard.modules.system import render_sections
from dockyard.modules.systemd import SystemdModule

RUNNING = "LoadState=loaded\nActiveState=active\nSubState=running\nNeedDaemonReload=no\n"
STOPPED = "LoadState=loaded\nActiveState=inactive\nSubState=dead\nNeedDaemonReload=no\n"

CASES = yaml.safe_load(f"""
- name: started when stopped starts
  args: {{name: nginx, state: started}}
  show: "{STOPPED.encode('unicode_escape').decode()}"
  enabled: [enabled, 0]
  steps: [start nginx]
- name: started when running is ok
  args: {{name: nginx, state: started, enabled: true}}
  show: "{RUNNING.encode('unicode_escape').decode()}"
  enabled: [enabled, 0]
  steps: []
- name: stopped when running stops
  args: {{name: nginx, state: stopped}}
  show: "{RUNNING.encode('unicode_escape').decode()}"
  enabled: [enabled, 0]
  steps: [stop nginx]
- name: restarted is always a change
  args: {{name: nginx, state: restarted}}
  show: "{RUNNING.encode('unicode_escape').decode()}"
  enabled: [enabled, 0]
  steps: [restart nginx]
- name: reloaded on a stopped unit starts it
  args: {{name: nginx, state: reloaded}}
  show: "{STOPPED.encode('unicode_escape').decode()}"
  enabled: [enabled, 0]
  steps: [start nginx]
- name: enable a disabled unit, then start it
  args: {{name: nginx, state: started, enabled: true}}
  show: "{STOPPED.encode('unicode_escape').decode()}"
  enabled: [disabled, 1]
  steps: [enable nginx, start nginx]
- name: enabled-runtime is not enabled for good
  args: {{name: nginx, enabled: true}}
  show: "{RUNNING.encode('unicode_escape').decode()}"
  enabled: [enabled-runtime, 0]
  steps: [enable nginx]
- name: static units count as enabled
  args: {{name: systemd-journald, enabled: true}}
  show: "{RUNNING.encode('unicode_escape').decode()}"
  enabled: [static, 0]
  steps: []
- name: mask a unit
  args: {{name: nginx, masked: true}}
  show: "{STOPPED.encode('unicode_escape').decode()}"
  enabled: [disabled, 1]
  steps: [mask nginx]
- name: daemon_reload only when systemd says unit files changed
  args: {{name: nginx, daemon_reload: true, state: started}}
  show: "LoadState=loaded\\nActiveState=active\\nNeedDaemonReload=yes\\n"
  enabled: [enabled, 0]
  steps: [systemctl daemon-reload]
- name: daemon_reload with unchanged units is ok
  args: {{name: nginx, daemon_reload: true}}
  show: "{RUNNING.encode('unicode_escape').decode()}"
  enabled: [enabled, 0]
  steps: []
- name: a unit systemd does not know yet is reloaded for, then started
  args: {{name: new, daemon_reload: true, state: started}}
  show: "LoadState=not-found\\nActiveState=inactive\\n"
  enabled: ["", 1]
  steps: [systemctl daemon-reload, start new]
""")


def output(case: dict[str, Any]) -> CommandResult:
    text, rc = case["enabled"]
    return CommandResult(0, render_sections({"systemd": ("", 0), "show": (case["show"], 0),
                                             "is-enabled": (text + "\n", rc)}), b"")


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in CASES])
def test_systemd_plans(case: dict[str, Any]) -> None:
    module = SystemdModule()
    ctx = ModuleContext(host="h")
    args = validate(module.Args, case["args"], module="systemd")
    current = module.parse(args, output(case), ctx)
    assert [s.summary for s in module.steps(current, module.desired(args, ctx), args)] == case["steps"]


def test_commands_name_the_unit_after_double_dash_and_honour_scope() -> None:
    module = SystemdModule()
    args = validate(module.Args, {"unit": "app", "state": "started", "scope": "user", "no_block": True},
                    module="systemd")
    current = module.parse(args, output({"show": STOPPED, "enabled": ["disabled", 1]}), ModuleContext(host="h"))
    (step,) = module.steps(current, current, args)
    assert step.command == "systemctl --user --no-block start -- app"


def test_an_unknown_unit_is_an_error() -> None:
    module = SystemdModule()
    args = validate(module.Args, {"name": "nope", "state": "started"}, module="systemd")
    current = module.parse(args, output({"show": "LoadState=not-found\n", "enabled": ["", 1]}),
                           ModuleContext(host="h"))
    with pytest.raises(ModuleError, match="could not find the requested service nope"):
        module.steps(current, current, args)


def test_a_host_without_systemd_is_told_to_use_service() -> None:
    module = SystemdModule()
    args = validate(module.Args, {"name": "cron", "state": "started"}, module="systemd")
    out = CommandResult(0, render_sections({"systemd": ("", 1), "show": ("", 127), "is-enabled": ("", 127)}), b"")
    with pytest.raises(ModuleError, match="systemd is not running") as error:
        module.parse(args, out, ModuleContext(host="h"))
    assert error.value.hint is not None and "service" in error.value.hint


def test_result_has_ansibles_fields() -> None:
    module = SystemdModule()
    args = validate(module.Args, {"name": "nginx", "state": "reloaded", "enabled": True}, module="systemd")
    current = module.parse(args, output({"show": RUNNING, "enabled": ["enabled", 0]}), ModuleContext(host="h"))
    fields = module.result(args, current, current, [], [])
    assert fields["name"] == "nginx" and fields["state"] == "started" and fields["enabled"] is True
    assert fields["status"]["ActiveState"] == "active"
