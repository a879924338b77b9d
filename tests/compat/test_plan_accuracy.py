"""The plan tells the truth: what `dockyard apply` changes is what `dockyard plan` said.

For every playbook of the compatibility suite, on two fresh lab hosts: `dockyard plan
--out plan.json`, then `dockyard apply plan.json`. Per (host, task):

* every change the plan predicted for sure happens;
* every change that happens was predicted, for sure or as "known after apply" (a command
  whose outcome only running it tells, or a task that uses such a value).

The apply must also accept the plan (nothing drifted between the two commands). Cases run
in the background, a few at a time; only the selected ones run.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.compat.cases import PARAMS, PLAYBOOKS, Case, selected_cases, write_inventory
from tests.integration.cli import run_dockyard
from tests.lab import Lab

pytestmark = pytest.mark.ssh
PARALLEL_CASES = 3
Key = tuple[str, str, bool]  # host, task span (relative to the playbook's directory), handler


@dataclass(frozen=True)
class Accuracy:
    sure: frozenset[Key]
    maybe: frozenset[Key]
    applied: frozenset[Key]
    apply_code: int
    output: str


def _relative(span: str, base: Path) -> str:
    path, _, position = span.partition(":")
    return os.path.relpath(os.path.abspath(os.path.join(base, path)), base) + ":" + position


def planned(document: Mapping[str, Any]) -> tuple[frozenset[Key], frozenset[Key]]:
    """(changes predicted for sure, changes known only after apply) of a plan file."""
    sure, maybe = set(), set()
    for host, plan in document["hosts"].items():
        for task in plan["tasks"]:
            if task["status"] in ("changed", "unknown") and task["span"]:
                key = (host, task["span"], bool(task["handler"]))
                (maybe if task["known_after_apply"] else sure).add(key)
    return frozenset(sure), frozenset(maybe - sure)


def applied(output: str, base: Path) -> frozenset[Key]:
    """The (host, task) pairs that the apply's JSON events report changed."""
    changed, handler = set(), False
    for line in output.splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        if event["event"] == "task_started":
            handler = bool(event["is_handler"])
        elif event["event"] == "host_result" and event["status"] == "changed" and event["span"]:
            changed.add((event["host"], _relative(event["span"], base), handler))
    return frozenset(changed)


class CaseRunner:
    def __init__(self, lab: Lab, workdir: Path) -> None:
        self.lab = lab
        self.workdir = workdir
        self._lab_lock = threading.Lock()

    def run(self, case: Case) -> Accuracy:
        with self._lab_lock:
            hosts = self.lab.start(2)
        try:
            work = self.workdir / case.name
            (work / "controller").mkdir(parents=True)
            inventory = write_inventory(work / "hosts.ini", hosts)
            base = PLAYBOOKS / case.name
            plan = run_dockyard("plan", "site.yml", "-i", str(inventory), "--out", str(work / "plan.json"),
                                *case.args, "-e", f"compat_controller_dir={work / 'controller'}", cwd=base)
            if not (work / "plan.json").exists():
                raise AssertionError(f"no plan (exit {plan.returncode}):\n{plan.stdout}{plan.stderr}")
            done = run_dockyard("apply", str(work / "plan.json"), "--output", "json", cwd=base)
            sure, maybe = planned(json.loads((work / "plan.json").read_text()))
            output = f"$ dockyard plan\n{plan.stdout}{plan.stderr}\n$ dockyard apply\n{done.stderr}"
            return Accuracy(sure, maybe, applied(done.stdout, base), done.returncode, output)
        finally:
            with self._lab_lock:
                self.lab.remove(hosts)


@pytest.fixture(scope="module")
def accuracy(lab: Lab, tmp_path_factory: pytest.TempPathFactory,
             request: pytest.FixtureRequest) -> Iterator[dict[str, Future[Accuracy]]]:
    runner = CaseRunner(lab, tmp_path_factory.mktemp("plan-accuracy"))
    with ThreadPoolExecutor(PARALLEL_CASES, thread_name_prefix="plan-case") as pool:
        futures = {case.name: pool.submit(runner.run, case) for case in selected_cases(request)}
        yield futures
        for future in futures.values():
            future.cancel()


def _lines(keys: frozenset[Key]) -> str:
    return "\n".join(f"  {host} {span}{' (handler)' if handler else ''}" for host, span, handler in sorted(keys))


@pytest.mark.parametrize("case", PARAMS)
def test_apply_changes_what_the_plan_said(case: Case, accuracy: dict[str, Future[Accuracy]]) -> None:
    result = accuracy[case.name].result()
    problems = []
    if result.apply_code == 3:
        problems.append("apply refused the plan it was just given (drift)")
    if missed := result.sure - result.applied:
        problems.append("planned as changes, but apply did not change them:\n" + _lines(missed))
    if unplanned := result.applied - result.sure - result.maybe:
        problems.append("changed by apply, but not in the plan:\n" + _lines(unplanned))
    assert not problems, "\n\n".join(problems) + "\n\n" + result.output
