"""Steps of the next tasks run in the same command as a task's last step, behind a guard
(engine/batch.py GuardedStep, engine/probes.py ProbingConnection.run_step).

The host is the controller itself, through the local connection: a real /bin/sh runs the
script, its guards and sha256sum. Each test plays the engine's part: a task reads its probe,
runs its step; the engine says which next steps may go along (``looking_ahead(..., steps)``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from dockyard.connection.base import Become, CommandResult
from dockyard.connection.local import LocalConnection
from dockyard.engine.batch import GuardedStep, ProbeRequest
from dockyard.engine.probes import ProbingConnection, RanAheadOtherwise, looking_ahead
from dockyard.modules.step import Action, Step
from tests.unit.test_engine_probes import Counting

Peek = Callable[[ProbeRequest, Become | None], CommandResult | None]


def next_steps(*pairs: tuple[str, str]) -> Callable[[Peek, Become | None], Sequence[GuardedStep]]:
    """What the engine would say: for each (probe, step) of the next tasks, the step, made
    from the probe's output as the cache has it (as lookahead.steps_ahead does). The tasks
    are None here, the task the tests' ``looking_ahead`` says is running."""
    def steps(peek: Peek, become: Become | None) -> list[GuardedStep]:
        found = []
        for probe, step in pairs:
            seen = peek(ProbeRequest(probe), become)
            if seen is None:
                break
            made = Step(Action.RUN, f"summary of {step}", step)
            found.append(GuardedStep(ProbeRequest(probe), seen, ProbeRequest(step), made=made))
        return found
    return steps


def host(tmp_path: Path) -> tuple[Counting, ProbingConnection, Path]:
    log = tmp_path / "log"
    log.write_text("")
    (tmp_path / "b").write_text("old b\n")
    (tmp_path / "c").write_text("old c\n")
    inner = Counting()
    return inner, ProbingConnection(inner), log


def test_the_next_step_runs_in_the_same_command_and_its_task_claims_it(tmp_path: Path) -> None:
    inner, conn, log = host(tmp_path)
    probe_b, step_b = f"cat {tmp_path}/b", f"echo new b > {tmp_path}/b; echo b >> {log}; echo out; exit 0"
    probes = [(ProbeRequest(f"cat {tmp_path}/a"), None), (ProbeRequest(probe_b), None)]
    with looking_ahead("counted", lambda: probes, next_steps((probe_b, step_b))):
        conn.read(f"cat {tmp_path}/a")  # task a reads (b's probe comes along)
        conn.run_step(f"echo a >> {log}")  # task a's step: b's goes with it
        assert log.read_text() == "a\nb\n" and len(inner.commands) == 2
        # task b, in its turn: reads what its step was made from, and its step is not run again
        assert conn.read(probe_b).stdout == b"old b\n"
        assert conn.run_step(step_b) == CommandResult(0, b"out\n", b"")
    assert log.read_text() == "a\nb\n" and len(inner.commands) == 2
    assert (tmp_path / "b").read_text() == "new b\n"


def test_a_probe_with_a_case_statement_passes_its_guard_when_the_host_is_unchanged(tmp_path: Path) -> None:
    _, conn, log = host(tmp_path)
    probe_b = f"h=$(cat {tmp_path}/b); case \"$h\" in 'old'*) echo old;; *) echo other;; esac; echo err >&2"
    with looking_ahead("counted", lambda: [(ProbeRequest(probe_b), None)], next_steps((probe_b, f"echo b >> {log}"))):
        assert conn.read(probe_b).stdout == b"old\n"
        conn.run_step(f"echo a >> {log}")
    assert log.read_text() == "a\nb\n"


def test_a_next_step_whose_probe_reads_otherwise_after_the_step_does_not_run(tmp_path: Path) -> None:
    inner, conn, log = host(tmp_path)
    probe_b, step_b = f"cat {tmp_path}/b", f"echo b >> {log}"
    probes = [(ProbeRequest(probe_b), None)]
    with looking_ahead("counted", lambda: probes, next_steps((probe_b, step_b))):
        conn.read(probe_b)
        conn.run_step(f"echo changed by a > {tmp_path}/b")  # a changes what b reads
    assert log.read_text() == ""
    with looking_ahead("counted", lambda: []):  # task b, in its turn, the last one
        # reads the host as a left it (from the same command), and makes its own step
        assert conn.read(probe_b).stdout == b"changed by a\n"
        conn.run_step(f"echo b2 >> {log}")
    assert log.read_text() == "b2\n" and len(inner.commands) == 3


@pytest.mark.parametrize("change", ["echo to-stderr >&2", "exit 0", "printf x"])
def test_the_guard_sees_any_difference_in_output_error_or_exit_code(tmp_path: Path, change: str) -> None:
    _, conn, log = host(tmp_path)
    flag = tmp_path / "flag"
    probe_b = f"if [ -e {flag} ]; then {change}; else exit 3; fi"
    with looking_ahead("counted", lambda: [(ProbeRequest(probe_b), None)], next_steps((probe_b, f"echo b >> {log}"))):
        assert conn.read(probe_b).rc == 3
        conn.run_step(f"touch {flag}")
    assert log.read_text() == ""


def test_a_next_step_does_not_run_when_the_step_before_it_fails(tmp_path: Path) -> None:
    _, conn, log = host(tmp_path)
    probe_b, probe_c = f"cat {tmp_path}/b", f"cat {tmp_path}/c"
    probes = [(ProbeRequest(probe_b), None), (ProbeRequest(probe_c), None)]
    with looking_ahead("counted", lambda: probes, next_steps((probe_b, f"echo b >> {log}; exit 5"),
                                                             (probe_c, f"echo c >> {log}"))):
        conn.read(probe_b)
        failed = conn.run_step(f"echo a >> {log}")
        assert failed.rc == 0
        assert conn.read(probe_b).stdout == b"old b\n"
        assert conn.run_step(f"echo b >> {log}; exit 5").rc == 5  # b failed: its task says so
    assert log.read_text() == "a\nb\n"  # and c, after it, did not run

    _, conn, log = host(tmp_path)
    with looking_ahead("counted", lambda: probes, next_steps((probe_b, f"echo b >> {log}"))):
        conn.read(probe_b)
        assert conn.run_step(f"echo a >> {log}; exit 1").rc == 1
    assert log.read_text() == "a\n"


def test_a_chain_stops_at_the_first_step_whose_probe_the_steps_before_it_changed(tmp_path: Path) -> None:
    inner, conn, log = host(tmp_path)
    probe_b, probe_c = f"cat {tmp_path}/b", f"cat {tmp_path}/c"
    step_b = f"echo b >> {log}; echo from b > {tmp_path}/c"  # b changes what c reads
    probes = [(ProbeRequest(probe_b), None), (ProbeRequest(probe_c), None)]
    with looking_ahead("counted", lambda: probes, next_steps((probe_b, step_b), (probe_c, f"echo c >> {log}"))):
        conn.read(probe_b)
        conn.run_step(f"echo a >> {log}")
        assert log.read_text() == "a\nb\n"
        assert conn.read(probe_b).stdout == b"old b\n"
        conn.run_step(step_b)
        assert conn.read(probe_c).stdout == b"from b\n"  # c, in its turn, reads the host after b
    assert len(inner.commands) == 2


@contextlib.contextmanager
def b_went_with_a(tmp_path: Path, conn: ProbingConnection, log: Path) -> Iterator[None]:
    """Task a's step has run, and task b's (``echo b >> log``, made from ``cat b``) with it."""
    probe_b = f"cat {tmp_path}/b"
    with looking_ahead("counted", lambda: [(ProbeRequest(probe_b), None)], next_steps((probe_b, f"echo b >> {log}"))):
        conn.read(probe_b)
        conn.run_step(f"echo a >> {log}")
        yield


def test_a_task_that_now_makes_another_step_gets_the_one_that_ran_and_nothing_more_runs(tmp_path: Path) -> None:
    inner, conn, log = host(tmp_path)
    with b_went_with_a(tmp_path, conn, log):
        conn.read(f"cat {tmp_path}/b")
        with pytest.raises(RanAheadOtherwise) as raised:  # its arguments template otherwise now (now())
            conn.run_step(f"echo other >> {log}")
    assert raised.value.step is not None and raised.value.step.summary == f"summary of echo b >> {log}"
    assert raised.value.result.rc == 0
    assert log.read_text() == "a\nb\n" and len(inner.commands) == 2


def test_reading_another_probe_than_the_step_was_made_from_gets_the_step_that_ran(tmp_path: Path) -> None:
    _, conn, log = host(tmp_path)
    with b_went_with_a(tmp_path, conn, log):
        with pytest.raises(RanAheadOtherwise):
            conn.read(f"cat {tmp_path}/c")
        assert conn.read(f"cat {tmp_path}/c").stdout == b"old c\n"  # claimed: the connection is as before


def test_a_step_that_ran_ahead_is_claimed_only_by_its_own_task(tmp_path: Path) -> None:
    inner, conn, log = host(tmp_path)
    probe_b = f"cat {tmp_path}/b"
    task_b, rescue = object(), object()

    def owned(peek: Peek, become: Become | None) -> list[GuardedStep]:
        return [replace(each, owner=task_b) for each in next_steps((probe_b, f"echo b > {tmp_path}/b"))(peek, become)]

    with looking_ahead("counted", lambda: [(ProbeRequest(probe_b), None)], owned, task=object()):
        conn.read(probe_b)
        conn.run_step(f"echo a >> {log}")
    assert (tmp_path / "b").read_text() == "b\n"
    # task b never comes (the host went to a rescue): another task reads the host as it is
    with looking_ahead("counted", lambda: [], task=rescue):
        assert conn.read(probe_b).stdout == b"b\n"
    assert conn.unclaimed(rescue) == [f"summary of echo b > {tmp_path}/b"]
    assert conn.unclaimed(rescue) == []
    assert len(inner.commands) == 2  # the rescue's read came with the step, after b's step


def test_no_step_goes_ahead_when_commands_have_a_time_limit(tmp_path: Path) -> None:
    _, _, log = host(tmp_path)
    inner = Counting()
    inner.command_timeout = 30
    conn = ProbingConnection(inner)
    probe_b = f"cat {tmp_path}/b"
    with looking_ahead("counted", lambda: [(ProbeRequest(probe_b), None)], next_steps((probe_b, f"echo b >> {log}"))):
        conn.read(probe_b)
        conn.run_step(f"echo a >> {log}")
    assert log.read_text() == "a\n"


def test_the_guards_digests_go_on_stdin_not_on_the_command_line(tmp_path: Path) -> None:
    inner, conn, log = host(tmp_path)
    probe_b = f"cat {tmp_path}/b"
    with looking_ahead("counted", lambda: [(ProbeRequest(probe_b), None)], next_steps((probe_b, f"echo b >> {log}"))):
        conn.read(probe_b)
        seen = conn.read(probe_b)
        assert conn.run_step(f"cat >> {log}", stdin=b"from stdin\n").rc == 0
    digest = GuardedStep(ProbeRequest(probe_b), seen, ProbeRequest("x")).digests()[0]
    assert digest not in inner.commands[-1]
    assert log.read_text() == "from stdin\nb\n"  # the lead step still reads exactly its own stdin


def test_a_next_step_that_kills_the_script_is_never_run_again(tmp_path: Path) -> None:
    inner, conn, log = host(tmp_path)
    probe_b, step_b = f"cat {tmp_path}/b", f"echo b >> {log}; kill -9 $PPID"
    with looking_ahead("counted", lambda: [(ProbeRequest(probe_b), None)], next_steps((probe_b, step_b))):
        conn.read(probe_b)
        assert conn.run_step(f"echo a >> {log}").rc == 0
        conn.read(probe_b)
        died = conn.run_step(step_b)
    assert died.rc != 0 and b"end was not seen" in died.stderr
    assert log.read_text() == "a\nb\n" and len(inner.commands) == 2


def test_without_a_cached_probe_or_outside_the_hosts_own_task_nothing_runs_ahead(tmp_path: Path) -> None:
    inner, conn, log = host(tmp_path)
    probe_b = f"cat {tmp_path}/b"
    with looking_ahead("counted", lambda: [], next_steps((probe_b, f"echo b >> {log}"))):
        conn.run_step(f"echo a >> {log}")  # b's probe is not in the cache: nothing to make b's step from
    with looking_ahead("another-host", lambda: [(ProbeRequest(probe_b), None)],
                       next_steps((probe_b, f"echo b >> {log}"))):
        conn.read(probe_b)
        conn.run_step(f"echo a >> {log}")  # a task delegated to this host: its steps are not ours
    assert log.read_text() == "a\na\n" and len(inner.commands) == 3


def test_a_step_with_steps_ahead_still_behaves_as_it_does_alone(tmp_path: Path) -> None:
    probe_b = f"cat {tmp_path}/b"
    for command in ["echo ran)", "echo a \\", 'echo "$$" > /dev/null; exit 7', "cat; echo done >&2"]:
        alone = LocalConnection().run(command, stdin=b"in\n")
        _, conn, log = host(tmp_path)
        with looking_ahead("counted", lambda: [(ProbeRequest(probe_b), None)],
                           next_steps((probe_b, f"cat; echo b >> {log}"))):
            conn.read(probe_b)
            assert conn.run_step(command, stdin=b"in\n") == alone, command
        assert log.read_text() in ("", "b\n")  # b's step never reads the lead step's stdin


RULES = """\
- hosts: all
  tasks:
    - {name: plain, file: {path: /a, state: directory}}
    - {name: registers, file: {path: /b, state: directory}, register: b}
    - {name: failed_when, file: {path: /c, state: directory}, failed_when: false}
    - {name: changed_when, file: {path: /c2, state: directory}, changed_when: false}
    - {name: no_log, file: {path: /c3, state: directory}, no_log: true}
    - {name: loop, file: {path: "{{ item }}", state: directory}, loop: [/d]}
    - {name: until, command: "true", until: true, args: {creates: /e}}
    - {name: delegated, file: {path: /f, state: directory}, delegate_to: other}
    - {name: once, file: {path: /g, state: directory}, run_once: true}
    - {name: fatal, file: {path: /h, state: directory}, any_errors_fatal: true}
    - {name: check mode, file: {path: /i, state: directory}, check_mode: true}
    - {name: facts, setup: {}}
    - {name: apt, apt: {name: curl}}
    - {name: "shell: its effects may reach beyond the host", shell: "echo", args: {creates: /j}}
"""


def test_only_tasks_that_change_nothing_but_the_host_let_steps_after_them_go_ahead(tmp_path: Path) -> None:
    from dockyard.engine.lookahead import _may_follow, _may_lead
    from dockyard.playbook.load import load_playbook

    (tmp_path / "site.yml").write_text(RULES)
    (play,) = load_playbook(tmp_path / "site.yml").plays
    tasks = {task.name: task for task in play.tasks}
    assert [name for name, task in tasks.items() if _may_lead(task)] == ["plain"]
    # a registered result, failed_when or changed_when is judged after the step: the task itself may still go
    assert [name for name, task in tasks.items() if _may_follow(task)] == ["plain", "registers", "failed_when",
                                                                             "changed_when"]


def test_no_step_goes_ahead_in_a_play_with_any_errors_fatal_or_when_turned_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    from dockyard.engine.lookahead import steps_ahead
    from dockyard.playbook.load import load_playbook

    (tmp_path / "site.yml").write_text(RULES)
    (play,) = load_playbook(tmp_path / "site.yml").plays
    plain = play.tasks[0]
    asked: list[object] = []

    def task_run(task: object) -> object:
        asked.append(task)
        raise RuntimeError("stop here")  # reached only when the rules let a step be made

    steps_ahead(plain, SimpleNamespace(any_errors_fatal=None), [plain], task_run, lambda *_: None, None)  # type: ignore[arg-type]
    assert asked == [plain]
    steps_ahead(plain, SimpleNamespace(any_errors_fatal=True), [plain], task_run, lambda *_: None, None)  # type: ignore[arg-type]
    monkeypatch.setenv("DOCKYARD_NO_STEPS_AHEAD", "1")
    steps_ahead(plain, SimpleNamespace(any_errors_fatal=None), [plain], task_run, lambda *_: None, None)  # type: ignore[arg-type]
    assert asked == [plain]


def test_steps_that_ran_ahead_for_tasks_that_did_not_come_are_given_up_up_to_the_task_that_did(
    tmp_path: Path,
) -> None:
    _, conn, log = host(tmp_path)
    probe_b, probe_c = f"cat {tmp_path}/b", f"cat {tmp_path}/c"
    task_b, task_c = object(), object()

    def owned(peek: Peek, become: Become | None) -> list[GuardedStep]:
        made = next_steps((probe_b, f"echo b >> {log}"), (probe_c, f"echo c >> {log}"))(peek, become)
        return [replace(each, owner=owner) for each, owner in zip(made, (task_b, task_c), strict=True)]

    probes = [(ProbeRequest(probe_b), None), (ProbeRequest(probe_c), None)]
    with looking_ahead("counted", lambda: probes, owned, task=object()):
        conn.read(probe_b)
        conn.run_step(f"echo a >> {log}")
    assert log.read_text() == "a\nb\nc\n"
    # b had its turn and took nothing (its `when` answered otherwise then): what ran is its change
    left = conn.left_by(task_b)
    assert left is not None and left[0].summary == f"summary of echo b >> {log}" and left[1].rc == 0
    assert conn.left_by(task_b) is None
    assert conn.unclaimed(task_c) == []  # c's own step is still c's
    with looking_ahead("counted", lambda: [], task=task_c):
        assert conn.read(probe_c).stdout == b"old c\n"
        assert conn.run_step(f"echo c >> {log}").rc == 0
    assert log.read_text() == "a\nb\nc\n"


def test_a_connection_lost_in_a_chain_says_the_next_steps_may_have_run(tmp_path: Path) -> None:
    from dockyard.errors import ConnectError

    class Lost(Counting):
        def run(self, command: str, **kwargs: object) -> CommandResult:  # type: ignore[override]
            result = super().run(command, **kwargs)
            if "__dy_o1" in command:
                raise ConnectError("the connection was lost while a command ran", host="counted")
            return result

    _, _, log = host(tmp_path)
    conn = ProbingConnection(Lost())
    probe_b = f"cat {tmp_path}/b"
    with looking_ahead("counted", lambda: [(ProbeRequest(probe_b), None)], next_steps((probe_b, f"echo b >> {log}"))):
        conn.read(probe_b)
        with pytest.raises(ConnectError, match="so may the steps of the next tasks that went with it \\(summary of echo b"):
            conn.run_step(f"echo a >> {log}")


def test_a_script_too_long_for_a_command_line_leaves_the_next_steps_to_their_turn(tmp_path: Path) -> None:
    _, conn, log = host(tmp_path)
    probe_b = f"cat {tmp_path}/b"
    long_step = f"echo b >> {log}; : {'x' * 60_000}"
    with looking_ahead("counted", lambda: [(ProbeRequest(probe_b), None)], next_steps((probe_b, long_step))):
        conn.read(probe_b)
        conn.run_step(f"echo a >> {log}")
    assert log.read_text() == "a\n"
