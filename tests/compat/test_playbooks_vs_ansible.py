"""dockyard against ansible-playbook: the same playbooks on fresh, identical lab hosts.

Every directory under ``playbooks/`` is a plain Ansible playbook (``site.yml`` with its
roles, templates, files, group_vars...). For each one, four fresh lab hosts start: two
for dockyard, two for ansible-playbook, named ``web1`` and ``web2`` in both inventories
(groups ``web`` = both, ``db`` = web2). The two tools run at the same time, then:

1. the hosts' state is equal: every path's type, mode, owner, group and link target, the
   content of every file either tool changed, accounts, packages and running programs
   (``host_state.py``);
   also the files the playbook wrote on the controller (``delegate_to: localhost``);
2. both tools report the same tasks in the same order, with the same status per host
   (and per loop item), the same recap counts and the same exit code;
3. a second dockyard run reports nothing changed (idempotency);
4. ``dockyard --check`` after that changes nothing on the hosts. Its counts are not
   compared with Ansible's: ``command``/``shell`` report "changed (known after apply)"
   in dockyard's check mode where Ansible reports "skipped" (docs/playbooks.md).

One test per playbook reports every problem of its case together. Cases run in the
background, a few at a time, as soon as the module starts; each test waits for its own
case. Only the selected cases run (so ``-k``, ``-m 'not apt'`` and ``-n 2`` work).
"""

from __future__ import annotations

import difflib
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from tests.compat.ansible_oracle import needs_ansible
from tests.compat.cases import NAMES, PARAMS, PLAYBOOKS, Case, selected_cases, write_inventory
from tests.compat.host_state import compare_hosts, host_lines, mark
from tests.compat.playbook_runs import PlayRun, run_ansible_playbook, run_dockyard
from tests.lab import Lab, LabHost

# All cases run in one worker (``--dist loadgroup``): the fixture starts every selected case.
pytestmark = [pytest.mark.ssh, needs_ansible, pytest.mark.xdist_group("compat-playbooks")]
T = TypeVar("T")

PARALLEL_CASES = 4


@dataclass(frozen=True)
class Outcome:
    """Everything one case produced, for the assertions and their messages."""

    dockyard: PlayRun
    ansible: PlayRun
    states: tuple[tuple[list[str], list[str]], ...]
    controller: tuple[dict[str, str], dict[str, str]]
    second: PlayRun
    check: PlayRun
    check_state: tuple[tuple[list[str], list[str]], ...]
    workdir: Path


def _controller_files(root: Path) -> dict[str, str]:
    return {str(path.relative_to(root)): path.read_text()
            for path in sorted(root.rglob("*")) if path.is_file()}


class CaseRunner:
    """Runs cases in the background with their own hosts, a few at a time."""

    def __init__(self, lab: Lab, workdir: Path) -> None:
        self.lab = lab
        self.workdir = workdir
        self._lab_lock = threading.Lock()  # Lab.start/remove are not thread-safe

    def run(self, case: Case) -> Outcome:
        with self._lab_lock:
            hosts = self.lab.start(4)
        try:
            return self._run(case, hosts)
        finally:
            with self._lab_lock:
                self.lab.remove(hosts)

    def _run(self, case: Case, hosts: list[LabHost]) -> Outcome:
        work = self.workdir / case.name
        (work / "ctl-dockyard").mkdir(parents=True)
        (work / "ctl-ansible").mkdir()
        ours, theirs = hosts[:2], hosts[2:]
        inventories = (write_inventory(work / "dockyard.ini", ours), write_inventory(work / "ansible.ini", theirs))
        for host in hosts:
            mark(host)
        playbook = PLAYBOOKS / case.name / "site.yml"

        def args(tool: str) -> tuple[str, ...]:
            return (*case.args, "-e", f"compat_controller_dir={work / f'ctl-{tool}'}")

        timings: dict[str, float] = {}

        def timed(name: str, work: Callable[[], T]) -> T:
            begin = time.monotonic()
            try:
                return work()
            finally:
                timings[name] = round(time.monotonic() - begin, 2)

        with ThreadPoolExecutor(2) as pool:
            theirs_run = pool.submit(timed, "ansible", lambda: run_ansible_playbook(
                playbook, inventories[1], work / "home", args("ansible")))
            first = timed("dockyard", lambda: run_dockyard(playbook, inventories[0], args("dockyard")))
            reference = theirs_run.result()
        with ThreadPoolExecutor(2) as pool:
            states = timed("compare", lambda: tuple(pool.map(compare_hosts, ours, theirs)))
        controller = (_controller_files(work / "ctl-dockyard"), _controller_files(work / "ctl-ansible"))
        second = run_dockyard(playbook, inventories[0], args("dockyard"))
        with ThreadPoolExecutor(2) as pool:
            before = list(pool.map(host_lines, ours))
            check = run_dockyard(playbook, inventories[0], (*args("dockyard"), "--check"))
            check_state = tuple(zip(before, pool.map(host_lines, ours), strict=True))
        for run, name in ((first, "dockyard"), (reference, "ansible"), (second, "dockyard-again"),
                          (check, "dockyard-check")):
            (work / f"{name}.out").write_text(run.output)
        (work / "seconds.json").write_text(json.dumps(timings))
        return Outcome(first, reference, states, controller, second, check, check_state, work)


@pytest.fixture(scope="module")
def outcomes(lab: Lab, tmp_path_factory: pytest.TempPathFactory,
             request: pytest.FixtureRequest) -> Iterator[dict[str, Future[Outcome]]]:
    """Every selected case, started in the background at once."""
    runner = CaseRunner(lab, tmp_path_factory.mktemp("compat-playbooks"))
    order = selected_cases(request)
    with ThreadPoolExecutor(PARALLEL_CASES, thread_name_prefix="compat-case") as pool:
        futures = {case.name: pool.submit(runner.run, case) for case in order}
        yield futures
        for future in futures.values():
            future.cancel()


def _diff(left: Sequence[str], right: Sequence[str], names: tuple[str, str]) -> str:
    return "\n".join(difflib.unified_diff(list(left), list(right), *names, lineterm="", n=2))


def differences(outcome: Outcome) -> list[str]:
    """Every way dockyard's run differs from ansible-playbook's, as readable text."""
    ours, theirs = outcome.dockyard, outcome.ansible
    problems = []
    for name, (left, right) in zip(NAMES, outcome.states, strict=True):
        if left != right:
            problems.append(f"host {name} differs:\n" + _diff(left, right, ("dockyard", "ansible")))
    if outcome.controller[0] != outcome.controller[1]:
        problems.append(f"files on the controller differ: {outcome.controller}")
    if ours.lines() != theirs.lines():
        problems.append("task results differ:\n" + _diff(ours.lines(), theirs.lines(), ("dockyard", "ansible")))
    if ours.recap != theirs.recap:
        problems.append(f"recap differs:\n  dockyard {ours.recap}\n  ansible  {theirs.recap}")
    if ours.returncode != theirs.returncode:
        problems.append(f"exit code differs: dockyard {ours.returncode}, ansible {theirs.returncode}")
    return problems


def rerun_problems(outcome: Outcome) -> list[str]:
    """A second run changes nothing and ends as the first did."""
    second = outcome.second
    changed = [line for line in second.lines() if "=changed" in line]
    problems = []
    if second.changed() or changed:
        problems.append("the second dockyard run changed something:\n" + "\n".join(changed))
    if second.returncode != outcome.dockyard.returncode:
        problems.append(f"the second run's exit code is {second.returncode}, "
                        f"the first's {outcome.dockyard.returncode}")
    return problems


def check_problems(outcome: Outcome) -> list[str]:
    """--check on converged hosts: nothing on the hosts changes, and only what check mode
    cannot predict (commands, and what uses their results) may be reported as a change."""
    check = outcome.check
    problems = [f"--check changed {name}:\n" + _diff(before, after, ("before", "after"))
                for name, (before, after) in zip(NAMES, outcome.check_state, strict=True)
                if before != after]
    if check.returncode not in (0, 2):
        problems.append(f"--check did not run (exit {check.returncode})")
    changed = [line for line in check.lines() if "=changed" in line]
    if not check.unpredictable and (check.changed() or changed):
        problems.append("--check reports changes on converged hosts:\n" + "\n".join(changed))
    return problems


@pytest.mark.parametrize("case", PARAMS)
def test_playbook_as_ansible(case: Case, outcomes: dict[str, Future[Outcome]]) -> None:
    """Same state, tasks, recap and exit code as ansible-playbook; then idempotent; then
    --check leaves the hosts alone. Every problem of the case is reported together."""
    outcome = outcomes[case.name].result()
    problems = differences(outcome) + rerun_problems(outcome) + check_problems(outcome)
    assert not problems, "\n\n".join(problems) + f"\n(the tools' output: {outcome.workdir})"
