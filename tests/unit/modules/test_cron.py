"""cron: the pure crontab edit on a case table, checked against ansible-core's own cron module.

Every case runs through :func:`edit_crontab` and, as a cron_file, through
``python -m ansible.modules.cron``: both must leave the case's ``after``. So the table
proves the "#Ansible: NAME" format interoperates with Ansible both ways.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import validate
from dockyard.modules.base import ModuleContext
from dockyard.modules.cron import CronModule, edit_crontab, job_line
from dockyard.modules.system import render_sections

CASES = yaml.safe_load(r"""
- name: a new job goes to the end with its marker
  before: "MAILTO=root\n"
  args: {name: backup, job: /bin/backup, minute: "0", hour: "3"}
  after: "MAILTO=root\n#Ansible: backup\n0 3 * * * root /bin/backup\n"
- name: an unchanged job is left alone
  before: "#Ansible: backup\n0 3 * * * root /bin/backup\n"
  args: {name: backup, job: /bin/backup, minute: "0", hour: "3"}
  after: "#Ansible: backup\n0 3 * * * root /bin/backup\n"
- name: a changed schedule replaces the line after the marker
  before: "#Ansible: backup\n0 3 * * * root /bin/backup\n# other\n"
  args: {name: backup, job: /bin/backup, minute: "30", hour: "4"}
  after: "#Ansible: backup\n30 4 * * * root /bin/backup\n# other\n"
- name: special_time
  before: ""
  args: {name: boot, job: /bin/boot, special_time: reboot}
  after: "#Ansible: boot\n@reboot root /bin/boot\n"
- name: disabled comments the job out
  before: "#Ansible: backup\n0 3 * * * root /bin/backup\n"
  args: {name: backup, job: /bin/backup, minute: "0", hour: "3", disabled: true}
  after: "#Ansible: backup\n#0 3 * * * root /bin/backup\n"
- name: absent removes marker and job
  before: "A=1\n#Ansible: backup\n0 3 * * * root /bin/backup\n#Ansible: other\n* * * * * root /bin/x\n"
  args: {name: backup, state: absent}
  after: "A=1\n#Ansible: other\n* * * * * root /bin/x\n"
- name: an identical unmarked job gets a marker instead of a copy
  before: "0 3 * * * root /bin/backup\n"
  args: {name: backup, job: /bin/backup, minute: "0", hour: "3"}
  after: "#Ansible: backup\n0 3 * * * root /bin/backup\n"
- name: weekday and dom aliases
  before: ""
  args: {name: w, job: /bin/w, dow: "1-5", dom: "1"}
  after: "#Ansible: w\n* * 1 * 1-5 root /bin/w\n"
- name: env var goes to the top
  before: "#Ansible: backup\n0 3 * * * root /bin/backup\n"
  args: {name: PATH, job: "/usr/bin:/bin", env: true}
  after: "PATH=\"/usr/bin:/bin\"\n#Ansible: backup\n0 3 * * * root /bin/backup\n"
- name: env var updated in place
  before: "A=1\nPATH=/bin\n"
  args: {name: PATH, job: "/usr/bin:/bin", env: true}
  after: "A=1\nPATH=\"/usr/bin:/bin\"\n"
- name: env var insertafter
  before: "A=1\nB=2\n"
  args: {name: C, job: "3", env: true, insertafter: A}
  after: "A=1\nC=\"3\"\nB=2\n"
- name: env var absent
  before: "A=1\nB=2\n"
  args: {name: A, env: true, state: absent}
  after: "B=2\n"
""")


def cron_args(raw: dict[str, Any]) -> Any:
    return validate(CronModule.Args, {"user": "root", "cron_file": "/x", **raw}, module="cron")


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in CASES])
def test_edit_crontab(case: dict[str, Any]) -> None:
    assert edit_crontab(case["before"], cron_args(case["args"])) == case["after"]


@pytest.mark.skipif(importlib.util.find_spec("ansible") is None, reason="ansible-core is not installed")
@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in CASES])
def test_ansible_leaves_the_same_file(case: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "crontab"
    target.write_text(case["before"])
    # ansible's cron module insists on finding a crontab binary even for cron_file, which
    # it never runs; this stand-in only satisfies that lookup (this machine has no cron).
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "crontab").write_text("#!/bin/sh\nexit 1\n")
    (fake_bin / "crontab").chmod(0o755)
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"user": "root", "cron_file": str(target),
                                                             **case["args"]}}))
    env = {**os.environ, "PATH": f"{fake_bin}:{os.environ.get('PATH', '')}"}
    done = subprocess.run([sys.executable, "-m", "ansible.modules.cron", str(args_file)], capture_output=True,
                          text=True, timeout=60, check=False, env=env, cwd=tmp_path)
    result = json.loads(done.stdout)
    assert not result.get("failed"), result
    assert (target.read_text() if target.exists() else "") == case["after"]


def test_a_user_crontab_has_no_user_column() -> None:
    args = validate(CronModule.Args, {"name": "x", "job": "/bin/x", "user": "app"}, module="cron")
    assert job_line(args) == "* * * * * /bin/x"


def plan(raw: dict[str, Any], sections: dict[str, tuple[str, int]]) -> list[Any]:
    module = CronModule()
    args = validate(module.Args, raw, module="cron")
    ctx = ModuleContext(host="h")
    current = module.parse(args, CommandResult(0, render_sections(sections), b""), ctx)
    return module.steps(current, module.desired(args, ctx), args)


def test_user_crontab_is_installed_through_stdin() -> None:
    (step,) = plan({"name": "x", "job": "/bin/x", "user": "app"}, {"crontab": ("", 1)})
    assert step.command == "crontab -u app -" and step.stdin == b"#Ansible: x\n* * * * * /bin/x\n"


def test_debian_headers_of_crontab_l_are_not_kept() -> None:
    listing = ("# DO NOT EDIT THIS FILE - edit the master and reinstall.\n"
               "# (/tmp/crontab.X installed on Mon)\n# (Cron version -- $Id$)\n#Ansible: x\n* * * * * /bin/x\n")
    assert plan({"name": "x", "job": "/bin/x"}, {"crontab": (listing, 0)}) == []


def test_the_last_job_of_a_cron_file_removes_the_file() -> None:
    (step,) = plan({"name": "x", "state": "absent", "cron_file": "job"},
                   {"file": ("#Ansible: x\n* * * * * root /bin/x\n", 0)})
    assert step.command == "rm -f -- /etc/cron.d/job"


def test_no_crontab_binary_is_a_clear_error() -> None:
    with pytest.raises(ModuleError, match="crontab is not installed") as error:
        plan({"name": "x", "job": "y"}, {"crontab": ("", 127)})
    assert error.value.hint is not None and "cron_file" in error.value.hint


@pytest.mark.parametrize(("raw", "message"), [
    ({"name": "x"}, "needs 'job'"),
    ({"name": "x", "job": "y", "cron_file": "f"}, "cron_file needs 'user'"),
])
def test_argument_errors(raw: dict[str, Any], message: str) -> None:
    args = validate(CronModule.Args, raw, module="cron")
    with pytest.raises(ModuleError, match=message):
        CronModule().probe(args, ModuleContext(host="h"))
