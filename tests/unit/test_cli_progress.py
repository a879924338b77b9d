"""The live progress line, as data: engine events in, console text out."""

from __future__ import annotations

import io

from dockyard.cli.output import ConsoleOutput, JsonLinesOutput
from dockyard.cli.progress import CLEAR, TaskProgress, progress_line
from dockyard.engine.events import HostResult, PlayStarted, RunFinished, TaskStarted

HOSTS = tuple(f"web{n:02d}" for n in range(1, 6))


def feed(output: ConsoleOutput | JsonLinesOutput, statuses: list[tuple[str, str]]) -> None:
    output.emit(PlayStarted("web", "all", HOSTS))
    output.emit(TaskStarted("install nginx", None, HOSTS))
    for host, status in statuses:
        output.emit(HostResult(host=host, task="install nginx", status=status))


def test_the_line_counts_hosts_by_status_and_is_redrawn_under_the_results() -> None:
    stream = io.StringIO()
    console = ConsoleOutput(stream, color=False, progress=True)
    feed(console, [("web01", "ok"), ("web02", "changed"), ("web03", "failed")])
    text = stream.getvalue()
    lines = text.split(CLEAR)
    assert lines[1].startswith("TASK [install nginx] 0/5 hosts done ")
    assert "changed: [web02]\n" in text
    last = lines[-1]
    assert last.startswith("TASK [install nginx] 3/5 hosts done (1 ok, 1 changed, 1 failed) ")
    assert last.endswith("s") and "\n" not in last, "the live line stays on its own line, in place"


def test_the_line_goes_away_when_the_last_host_is_done() -> None:
    stream = io.StringIO()
    console = ConsoleOutput(stream, color=False, progress=True)
    feed(console, [(host, "ok") for host in HOSTS])
    text = stream.getvalue()
    assert text.endswith(CLEAR + "ok: [web05]\n"), "the last result replaces the live line"
    console.emit(RunFinished(0))
    assert stream.getvalue().rfind("hosts done") < text.rfind("ok: [web05]")


def test_a_loop_counts_a_host_once_with_its_worst_item() -> None:
    task = TaskProgress("TASK [x]", 2, started=0.0)
    for status in ("ok", "changed", "ok"):
        task.record("web01", status)
    assert task.line(now=1.5) == "TASK [x] 1/2 hosts done (1 changed) 1.5s"
    task.record("web02", "skipped")
    assert task.finished


def test_a_long_title_is_shortened_to_fit_the_width() -> None:
    line = progress_line("TASK [" + "x" * 100 + "]", 7, 50, {"ok": 5, "changed": 2}, 3.25)
    assert len(line) <= 80 and line.endswith(" 7/50 hosts done (5 ok, 2 changed) 3.2s") and "…" in line


def test_nothing_extra_without_a_terminal_nor_for_one_host_nor_in_json() -> None:
    plain = io.StringIO()
    feed(ConsoleOutput(plain, color=False), [("web01", "ok"), ("web02", "changed")])
    assert CLEAR not in plain.getvalue() and "hosts done" not in plain.getvalue()
    single = io.StringIO()
    console = ConsoleOutput(single, color=False, progress=True)
    console.emit(TaskStarted("one", None, ("web01",)))
    console.emit(HostResult(host="web01", task="one", status="ok"))
    assert "hosts done" not in single.getvalue()
    machine = io.StringIO()
    feed(JsonLinesOutput(machine), [("web01", "ok")])
    assert "hosts done" not in machine.getvalue() and CLEAR not in machine.getvalue()
