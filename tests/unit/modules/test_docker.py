"""swarm, swarm_node, docker_image, docker_service as data (cases/docker.yml): probe output -> steps."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import validate
from dockyard.modules.base import HostModule, ModuleContext
from dockyard.modules.registry import find_module
from dockyard.modules.swarm import SwarmModule
from dockyard.modules.system import render_sections
from tests.unit.modules.cases import CASES

TABLE = yaml.safe_load((CASES / "docker.yml").read_text(encoding="utf-8"))
PARAMS = [pytest.param(module, case, id=f"{module}: {case['name']}") for module, cases in TABLE.items()
          for case in cases]


def plan(module_name: str, case: dict[str, Any]) -> list[Any]:
    module = find_module(module_name)
    assert module is not None
    instance: HostModule[Any, Any] = module()  # type: ignore[assignment]
    args = validate(module.Args, case["args"], module=module_name)
    ctx = ModuleContext(host="h")
    if "sections" in case:
        output = render_sections({name: (text, rc) for name, (text, rc) in case["sections"].items()})
    else:
        output = case["probe"].encode()
    current = instance.parse(args, CommandResult(0, output, b""), ctx)
    return instance.steps(current, instance.desired(args, ctx), args)


@pytest.mark.parametrize(("module", "case"), PARAMS)
def test_docker_modules_plan(module: str, case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(ModuleError, match=case["error"].replace("(", r"\(").replace(")", r"\)")):
            plan(module, case)
        return
    steps = plan(module, case)
    assert [step.summary for step in steps] == case["steps"]
    commands = " ".join(step.command for step in steps)
    for word in case.get("words", []):
        assert word in commands


def test_join_token_goes_on_stdin_never_on_the_command_line() -> None:
    case = TABLE["swarm"][1]
    (step,) = plan("swarm", case)
    assert step.stdin == b"SWMTKN-1-abc-def" and step.sensitive
    assert "SWMTKN" not in step.command and "SWMTKN" not in step.summary


def test_manager_result_has_tokens_and_nodes_and_they_are_declared_secret() -> None:
    module = SwarmModule()
    args = validate(module.Args, {}, module="swarm")
    output = render_sections({
        "info": ('{"LocalNodeState":"active","NodeID":"n1","NodeAddr":"10.0.0.2","ControlAvailable":true,'
                 '"Cluster":{"ID":"c1"}}', 0),
        "worker": ("SWMTKN-1-w\n", 0), "manager": ("SWMTKN-1-m\n", 0),
        "nodes": ('{"ID":"n1","Hostname":"lab01","Status":"Ready","Availability":"Active","ManagerStatus":"Leader"}', 0),
    })
    current = module.parse(args, CommandResult(0, output, b""), ModuleContext(host="h"))
    result = module.result(args, current, current, [], [])
    assert result["join_tokens"] == {"worker": "SWMTKN-1-w", "manager": "SWMTKN-1-m"}
    assert result["nodes"][0]["hostname"] == "lab01" and result["role"] == "manager"
    assert "join_tokens" in SwarmModule.secret_results
    assert "SWMTKN" not in repr(current)


def test_worker_result_has_no_tokens() -> None:
    module = SwarmModule()
    args = validate(module.Args, {}, module="swarm")
    output = render_sections({"info": ('{"LocalNodeState":"active","NodeID":"n2"}', 0),
                              "worker": ("", 1), "manager": ("", 1), "nodes": ("", 1)})
    current = module.parse(args, CommandResult(0, output, b""), ModuleContext(host="h"))
    result = module.result(args, current, current, [], [])
    assert result["role"] == "worker" and "join_tokens" not in result
