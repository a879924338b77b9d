"""Probes read in batches and cached until the host changes (engine/batch.py, engine/probes.py).

The host here is the controller itself, through the local connection: a real /bin/sh,
so the batch script and its split are tested against the shell they are written for.
"""

from __future__ import annotations

import threading
from pathlib import Path

from dockyard.connection.base import Become, CommandResult
from dockyard.connection.local import LocalConnection
from dockyard.engine.batch import ProbeRequest, batch_script, split_batch
from dockyard.engine.probes import ProbingConnection, looking_ahead

PROBES = [
    ProbeRequest("echo one; echo to-stderr >&2"),
    ProbeRequest("printf 'no newline'; exit 3"),
    ProbeRequest("cd /; pwd; exit 0"),
    ProbeRequest('printf "%s" "$GREETING"', (("GREETING", "hello world"),)),
    ProbeRequest("printf '\\ndy-forged 0 rc 0\\n'; cat"),  # reads stdin: must get /dev/null
]


def run_batch(probes: list[ProbeRequest]) -> dict[int, CommandResult]:
    marker = "dy-0123456789abcdef01234567"
    return split_batch(LocalConnection().run(batch_script(probes, marker)), marker, len(probes))


def test_a_batch_gives_each_probe_its_own_output_error_and_exit_code() -> None:
    results = run_batch(PROBES)
    alone = [LocalConnection().run(p.command, env=p.env_dict(), stdin=b"") for p in PROBES]
    assert set(results) == set(range(len(PROBES)))
    for index, expected in enumerate(alone):
        assert results[index] == expected, f"probe {index}"
    assert results[1] == CommandResult(3, b"no newline", b"")
    assert results[3].stdout == b"hello world"


def test_probes_after_one_that_kills_the_shell_are_left_out() -> None:
    results = run_batch([ProbeRequest("echo a"), ProbeRequest("kill -9 $$"), ProbeRequest("echo c")])
    assert results[0].stdout == b"a\n"
    assert 2 not in results


def test_a_truncated_batch_answers_only_for_complete_probes() -> None:
    marker = "dy-feedfacefeedfacefeedface"
    whole = LocalConnection().run(batch_script(PROBES[:3], marker))
    cut = CommandResult(whole.rc, whole.stdout[: whole.stdout.index(b"no newline")], whole.stderr)
    assert set(split_batch(cut, marker, 3)) == {0}


class Counting(LocalConnection):
    def __init__(self) -> None:
        super().__init__("counted")
        self.commands: list[str] = []

    def run(self, command: str, **kwargs: object) -> CommandResult:  # type: ignore[override]
        self.commands.append(command)
        return super().run(command, **kwargs)  # type: ignore[arg-type]


def test_upcoming_probes_go_in_one_command_and_are_answered_from_the_cache(tmp_path: Path) -> None:
    files = [tmp_path / f"f{i}" for i in range(4)]
    for index, path in enumerate(files):
        path.write_text(f"content {index}\n")
    probes = [(ProbeRequest(f"cat {path}"), None) for path in files]
    inner = Counting()
    conn = ProbingConnection(inner)
    with looking_ahead("counted", lambda: probes):
        outputs = [conn.read(f"cat {path}").stdout for path in files]
    assert outputs == [f"content {i}\n".encode() for i in range(4)]
    assert len(inner.commands) == 1
    assert (conn.stats.misses, conn.stats.hits) == (1, 3)


def test_anything_run_on_the_host_empties_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "state"
    path.write_text("before\n")
    inner = Counting()
    conn = ProbingConnection(inner)
    assert conn.read(f"cat {path}").stdout == b"before\n"
    assert conn.read(f"cat {path}").stdout == b"before\n"
    conn.run(f"echo after > {path}")
    assert conn.read(f"cat {path}").stdout == b"after\n"
    assert len(inner.commands) == 3


def test_the_cache_key_includes_become_and_environment() -> None:
    inner = Counting()
    conn = ProbingConnection(inner)
    conn.read('echo "$X"', env={"X": "1"})
    assert conn.read('echo "$X"', env={"X": "2"}).stdout == b"2\n"
    conn.read("id -u")
    conn.read("id -u", become=Become(user="nobody"))  # fails without sudo here: still its own entry
    assert len(inner.commands) == 4


def test_lookahead_for_another_host_or_another_become_is_not_taken_along() -> None:
    inner = Counting()
    conn = ProbingConnection(inner)
    with looking_ahead("other-host", lambda: [(ProbeRequest("echo b"), None)]):
        conn.read("echo a")
    with looking_ahead("counted", lambda: [(ProbeRequest("echo c"), Become())]):
        conn.read("echo d")
    assert inner.commands == ["echo a", "echo d"]


def test_unbatchable_probes_are_never_cached() -> None:
    inner = Counting()
    conn = ProbingConnection(inner)
    conn.read("date +%N", batchable=False)
    conn.read("date +%N", batchable=False)
    assert len(inner.commands) == 2


def test_batches_thrown_away_unused_make_the_lookahead_shorter() -> None:
    probes = [(ProbeRequest(f"echo {i}"), None) for i in range(40)]
    conn = ProbingConnection(Counting())
    start, position = conn.window, 0

    def upcoming() -> list[tuple[ProbeRequest, Become | None]]:
        return probes[position:]

    with looking_ahead("counted", upcoming):
        conn.read("echo 0")
        conn.run("true")  # the host changed: the other probes of the batch were read for nothing
        assert conn.window == start // 2
        for position in range(1, 1 + start // 2):
            conn.read(f"echo {position}")
    assert conn.window == start  # that batch was used up: look as far as before


def test_a_step_takes_the_next_probes_along_and_they_read_the_host_after_it(tmp_path: Path) -> None:
    target, other = tmp_path / "target", tmp_path / "other"
    other.write_text("untouched\n")
    upcoming = [(ProbeRequest(f"cat {target}"), None), (ProbeRequest(f"cat {other}"), None)]
    inner = Counting()
    conn = ProbingConnection(inner)
    with looking_ahead("counted", lambda: upcoming):
        step = conn.run_step(f"cat > {target}; echo wrote; echo note >&2; exit 4", stdin=b"new content\n")
        # the step alone: its stdin, its output and exit code, byte for byte
        assert step == CommandResult(4, b"wrote\n", b"note\n")
        # what the next tasks read: the host as the step left it, from the same command
        assert conn.read(f"cat {target}").stdout == b"new content\n"
        assert conn.read(f"cat {other}").stdout == b"untouched\n"
    assert len(inner.commands) == 1
    assert (conn.stats.hits, conn.stats.misses) == (2, 0)


def test_a_step_does_not_read_again_the_probe_of_its_own_task() -> None:
    inner = Counting()
    conn = ProbingConnection(inner)
    own, later = ProbeRequest("echo own"), ProbeRequest("echo later")
    conn.window = 1  # the shortest lookahead (a first run): still the next task's probe
    with looking_ahead("counted", lambda: [(own, None), (later, None)]):
        conn.run_step("true", done=own)
    assert "echo own" not in inner.commands[0] and "echo later" in inner.commands[0]
    assert conn.read("echo later").stdout == b"later\n"
    assert len(inner.commands) == 1


def test_a_step_alone_when_nothing_follows_and_never_run_twice_when_the_batch_dies(tmp_path: Path) -> None:
    inner = Counting()
    conn = ProbingConnection(inner)
    assert conn.run_step("echo alone").stdout == b"alone\n"
    assert inner.commands == ["echo alone"]
    counter = tmp_path / "runs"
    # the step kills the script around it (its parent: the step has a shell of its own)
    with looking_ahead("counted", lambda: [(ProbeRequest("echo next"), None)]):
        died = conn.run_step(f"echo x >> {counter}; kill -9 $PPID")
    assert died.rc != 0
    assert counter.read_text() == "x\n"  # the step ran once; it is not read-only, so not again
    assert len(inner.commands) == 2


STEPS = [
    "echo ran)",  # a syntax error alone: nothing runs, and nothing of the script around it either
    "echo a \\",  # a trailing backslash stays the step's, not joined to the line after
    'echo "$$" > /dev/null; exit 7',
    "cat; echo done >&2",  # the stdin is the step's
]


def test_a_step_with_probes_after_it_behaves_as_it_does_alone() -> None:
    for command in STEPS:
        alone = LocalConnection().run(command, stdin=b"in\n")
        conn = ProbingConnection(Counting())
        with looking_ahead("counted", lambda: [(ProbeRequest("echo next"), None)]):
            together = conn.run_step(command, stdin=b"in\n")
        assert together == alone, command
        assert conn.read("echo next").stdout == b"next\n"
        assert conn.stats.execs == 1, command


def test_what_another_thread_read_while_a_command_ran_is_not_used_after_it(tmp_path: Path) -> None:
    path = tmp_path / "state"
    path.write_text("before\n")
    started, read_done = threading.Event(), threading.Event()

    class Slow(LocalConnection):
        def run(self, command: str, **kwargs: object) -> CommandResult:  # type: ignore[override]
            if command.startswith("echo after"):
                started.set()
                read_done.wait(10)  # another thread reads the host while this command runs
            return super().run(command, **kwargs)  # type: ignore[arg-type]

    conn = ProbingConnection(Slow("counted"))
    change = threading.Thread(target=conn.run, args=(f"echo after > {path}",))
    change.start()
    started.wait(10)
    assert conn.read(f"cat {path}").stdout == b"before\n"  # read while the change runs
    read_done.set()
    change.join(10)
    assert conn.read(f"cat {path}").stdout == b"after\n"
