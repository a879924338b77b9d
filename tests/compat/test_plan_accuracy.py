"""The plan tells the truth: what `dockyard apply` changes is what `dockyard plan` said.

For every playbook of the compatibility suite, on two fresh lab hosts: `dockyard plan
--out plan.json`, then `dockyard apply plan.json`. Per (host, task):

* every change the plan predicted for sure happens;
* every change that happens was predicted, for sure or as "known after apply" (a command
  whose outcome only running it tells, or a task that uses such a value).

A task known only after apply may also fail (``failed_when`` on a command's output, a
command that exits 1 in a block with ``rescue``). From such a failure on, the host's
apply takes a path the plan said it could not predict, so what comes after it on that
host is not compared.

The apply must also accept the plan (nothing drifted between the two commands). Cases run
in the background, a few at a time; only the selected ones run.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from tests.compat.cases import PARAMS, PLAYBOOKS, Case, selected_cases, write_inventory
from tests.integration.cli import run_dockyard
from tests.lab import Lab

# All cases run in one worker (``--dist loadgroup``): the fixture starts every selected case.
pytestmark = [pytest.mark.ssh, pytest.mark.xdist_group("compat-plan-accuracy")]
PARALLEL_CASES = 3
Key = tuple[str, str, bool]  # host, task span (relative to the playbook's directory), handler


@dataclass(frozen=True)
class Accuracy:
    sure: frozenset[Key]
    maybe: frozenset[Key]
    applied: frozenset[Key]
    apply_code: int
    output: str


@dataclass(frozen=True)
class Planned:
    """A plan file's changes: for sure, known after apply, and every entry in run order."""

    sure: frozenset[Key]
    maybe: frozenset[Key]
    order: dict[str, list[Key]]


def _relative(span: str, base: Path) -> str:
    path, _, position = span.partition(":")
    return os.path.relpath(os.path.abspath(os.path.join(base, path)), base) + ":" + position


def planned(document: Mapping[str, Any]) -> Planned:
    """What a plan file predicts."""
    sure, maybe, order = set(), set(), {}
    for host, plan in document["hosts"].items():
        order[host] = []
        for task in plan["tasks"]:
            if not task["span"]:
                continue
            key = (host, task["span"], bool(task["handler"]))
            order[host].append(key)
            if task["status"] in ("changed", "unknown"):
                (maybe if task["known_after_apply"] else sure).add(key)
    return Planned(frozenset(sure), frozenset(maybe - sure), order)


def compared(plan: Planned, output: str, base: Path) -> Accuracy:
    """The apply's changes against the plan, each host up to a failure the plan could not
    predict (a known-after-apply task that failed)."""
    changed: set[Key] = set()
    diverged: dict[str, Key] = {}
    handler = False
    for line in output.splitlines():
        event = json.loads(line) if line.startswith("{") else {"event": ""}
        if event["event"] == "task_started":
            handler = bool(event["is_handler"])
        if event["event"] != "host_result" or not event["span"] or event["host"] in diverged:
            continue
        key = (event["host"], _relative(event["span"], base), handler)
        if event["status"] == "changed":
            changed.add(key)
        elif event["status"] == "failed" and not event["ignored"] and key in plan.maybe:
            diverged[event["host"]] = key
    sure = set(plan.sure)
    for host, key in diverged.items():
        sure -= set(plan.order[host][plan.order[host].index(key) + 1:])
    return Accuracy(frozenset(sure), plan.maybe, frozenset(changed), 0, "")


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
            result = compared(planned(json.loads((work / "plan.json").read_text())), done.stdout, base)
            output = (f"$ dockyard plan\n{plan.stdout}{plan.stderr}\n$ dockyard apply (exit {done.returncode})\n"
                      f"{done.stderr}{_results(done.stdout)}")
            return replace(result, apply_code=done.returncode, output=output)
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


def _results(output: str) -> str:
    """The apply's results, one line each, and its warnings: what explains a change the
    plan predicted but the apply did not make."""
    shown = []
    for line in output.splitlines():
        event = json.loads(line) if line.startswith("{") else {"event": "", "text": line}
        if event["event"] == "host_result":
            shown.append(f"  {event['host']} {event['span']}: {event['status']} {event.get('message', '')}")
        elif event["event"] in ("warning", ""):
            shown.append(f"  {event.get('host') or ''} {event.get('message') or event.get('text')}")
    return "\n".join(shown)


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
