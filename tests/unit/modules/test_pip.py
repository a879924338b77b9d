"""pip as data: what the probe prints (pip list, pip's dry-run report) -> planned steps."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import validate
from dockyard.modules.base import ModuleContext
from dockyard.modules.pip import PipModule, split_requirement
from dockyard.modules.system import render_sections

VENV = "/srv/venv"
MARK = "\n@@dockyard-pip-stderr@@\n"

CASES = yaml.safe_load("""
- name: a missing package is installed
  args: {name: [demo]}
  freeze: "pip==23.0.1\\n"
  steps: [pip install demo]
- name: an installed package is ok
  args: {name: [Demo_Pkg]}
  freeze: "demo-pkg==1.0\\n"
  steps: []
- name: a pinned version that differs is installed
  args: {name: [demo], version: "2.0"}
  freeze: "demo==1.0\\n"
  steps: [pip install demo==2.0]
- name: only what differs is installed
  args: {name: [demo==1.0, other]}
  freeze: "demo==1.0\\n"
  steps: [pip install other]
- name: a specifier asks pip, and pip would install nothing
  args: {name: ["demo>=1.0"]}
  freeze: "demo==1.0\\n"
  report: []
  steps: []
- name: latest upgrades when pip would install a newer version
  args: {name: [demo], state: latest}
  freeze: "demo==1.0\\n"
  report: [[demo, "2.0"]]
  steps: [pip upgrade demo]
  words: [-U]
- name: latest is ok when pip would install nothing
  args: {name: [demo], state: latest}
  freeze: "demo==2.0\\n"
  report: []
  steps: []
- name: a requirements file installs what pip reports
  args: {requirements: /srv/req.txt}
  freeze: ""
  report: [[demo, "1.0"]]
  steps: [pip install -r /srv/req.txt]
  words: [-r]
- name: absent uninstalls what is installed
  args: {name: [demo, gone], state: absent}
  freeze: "demo==1.0\\n"
  steps: [pip uninstall demo]
- name: absent of what is missing is ok
  args: {name: [gone], state: absent}
  freeze: ""
  steps: []
- name: forcereinstall always reinstalls
  args: {name: [demo], state: forcereinstall}
  freeze: "demo==1.0\\n"
  steps: [pip reinstall demo]
  words: [--force-reinstall]
- name: a missing virtualenv is created, then the package installed
  args: {name: [demo], virtualenv: /srv/venv, virtualenv_command: python3 -m venv}
  venv: false
  steps: [create virtualenv /srv/venv, pip install demo]
  words: [venv, /srv/venv/bin/pip]
""")


def probe_output(case: dict[str, Any]) -> CommandResult:
    sections: dict[str, tuple[str, int]] = {}
    if "virtualenv" in case["args"]:
        sections["venv"] = ("", 0 if case.get("venv", True) else 1)
        if not case.get("venv", True):
            sections["pip"] = ("", 3)
            return CommandResult(0, render_sections(sections), b"")
    sections["pip"] = (f"{VENV}/bin/pip", 0)
    sections["freeze"] = (case.get("freeze", ""), 0)
    if "report" in case:
        report = {"install": [{"metadata": {"name": n, "version": v}} for n, v in case["report"]]}
        sections["report"] = (json.dumps(report, indent=2) + MARK, 0)
    return CommandResult(0, render_sections(sections), b"")


def plan(case: dict[str, Any]) -> list[Any]:
    module = PipModule()
    ctx = ModuleContext(host="h")
    args = validate(module.Args, case["args"], module="pip", exclusive=module.exclusive, one_of=module.one_of)
    probe = module.probe(args, ctx)
    assert ("report" in probe) == ("report" in case), "the probe asks pip exactly when it must"
    current = module.parse(args, probe_output(case), ctx)
    return module.steps(current, module.desired(args, ctx), args)


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in CASES])
def test_pip_plans(case: dict[str, Any]) -> None:
    steps = plan(case)
    assert [step.summary for step in steps] == case["steps"]
    for word in case.get("words", []):
        assert any(word in step.command.split() or f"'{word}'" in step.command.split()
                   for step in steps), (word, [s.command for s in steps])


def test_what_pip_cannot_install_fails_with_pips_words() -> None:
    module = PipModule()
    args = validate(module.Args, {"name": ["demo"], "state": "latest"}, module="pip")
    output = CommandResult(0, render_sections({
        "pip": ("/usr/bin/pip3", 0), "freeze": ("", 0),
        "report": (MARK + "ERROR: No matching distribution found for demo", 1),
    }), b"")
    with pytest.raises(ModuleError, match="No matching distribution found for demo"):
        module.parse(args, output, ModuleContext(host="h"))


def test_no_pip_on_the_host_is_ansibles_message() -> None:
    module = PipModule()
    args = validate(module.Args, {"name": ["demo"]}, module="pip")
    output = CommandResult(0, render_sections({"pip": ("", 3), "freeze": ("", 3)}), b"")
    with pytest.raises(ModuleError, match="Unable to find any of pip3, pip"):
        module.parse(args, output, ModuleContext(host="h"))


@pytest.mark.parametrize(("spec", "expected"), [
    ("Flask", ("flask", "")),
    ("Demo_Pkg[extra]>=1.0,<2", ("demo-pkg", ">=1.0,<2")),
    ("demo == 1.0", ("demo", "== 1.0")),
    ("https://example.org/demo-1.0.tar.gz", None),
    ("./wheels/demo-1.0-py3-none-any.whl", None),
])
def test_split_requirement(spec: str, expected: tuple[str, str] | None) -> None:
    assert split_requirement(spec) == expected
