"""Planning as data: args + the probe's output in, steps out (cases/steps.yml).

No host: the probe's stdout is given as text, then the module's own parse, desired and
steps run exactly as the engine runs them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import validate_module_args
from dockyard.modules.base import HostModule, ModuleContext
from dockyard.modules.registry import find_module

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "steps.yml").read_text(encoding="utf-8"))


def plan(case: dict[str, Any]) -> list[Any]:
    cls = find_module(case["module"])
    assert cls is not None
    module = cls()
    assert isinstance(module, HostModule)
    args = validate_module_args(cls, case["args"])
    ctx = ModuleContext(host="h")
    probe = module.probe(args, ctx)
    output = None if case["probe"] is None else CommandResult(0, case["probe"].encode(), b"")
    assert (probe is None) == (output is None), "the case's probe output does not fit the module"
    current = module.parse(args, output, ctx)
    return module.steps(current, module.desired(args, ctx), args)


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in CASES])
def test_planned_steps(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(ModuleError, match=re.escape(case["error"])):
            plan(case)
        return
    steps = plan(case)
    assert len(steps) == len(case["steps"]), [step.summary for step in steps]
    for step, expected in zip(steps, case["steps"], strict=True):
        assert step.action.value == expected["action"]
        if "summary" in expected:
            assert step.summary == expected["summary"]
        if "stdin" in expected:
            assert step.stdin == expected["stdin"].encode()
        if "command" in expected:
            assert expected["command"] in step.command, step.command
