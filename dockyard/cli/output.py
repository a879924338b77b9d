"""Engine events drawn for people (console) or machines (JSON lines).

The console looks like Ansible's default output, so that people can read it without
learning anything. On a terminal, while a task runs on more than one host, a live line
under the results says how far it has got (see ``progress.py``); it is redrawn every
second and cleared when the last host is done. Nothing of it is written when the output
is not a terminal, nor with ``--output json``::

    PLAY [web servers] *************************************************************

    TASK [install nginx] ***********************************************************
    changed: [web01]
    ok: [web02]
    TASK [install nginx] 2/50 hosts done (1 ok, 1 changed) 3.2s        <- live, terminal only

    PLAY RECAP *********************************************************************
    web01 : ok=2  changed=1  unreachable=0  failed=0  skipped=0  rescued=0  ignored=0
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
from collections.abc import Mapping
from enum import Enum
from typing import Any, TextIO

from dockyard.cli.progress import CLEAR, TaskProgress
from dockyard.engine.events import (
    RECAP_FIELDS,
    HostProgress,
    HostResult,
    PlayRecap,
    PlayStarted,
    RunFinished,
    TaskStarted,
    Warning,
)
from dockyard.modules.step import Diff
from dockyard.source import Span

__all__ = ["ConsoleOutput", "JsonLinesOutput"]

COLORS = {"ok": "32", "changed": "33", "skipped": "36", "failed": "31", "unreachable": "31",
          "unknown": "35", "warning": "35", "diff+": "32", "diff-": "31", "diff@": "36"}
WIDTH = 80


def _banner(title: str) -> str:
    return f"{title} " + "*" * max(3, WIDTH - len(title) - 1)


class ConsoleOutput:
    """Ansible-like console rendering with optional color, diffs and verbosity."""

    def __init__(self, stream: TextIO | None = None, *, verbosity: int = 0, diff: bool = False,
                 color: bool | None = None, progress: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.verbosity = verbosity
        self.diff = diff
        self.color = self.stream.isatty() if color is None else color
        self.progress = self.stream.isatty() if progress is None else progress
        self._lock = threading.Lock()
        self._task: TaskProgress | None = None
        self._progress_shown = False
        self._ticker: threading.Thread | None = None
        self._stopped = threading.Event()

    def _paint(self, text: str, what: str) -> str:
        return f"\033[{COLORS[what]}m{text}\033[0m" if self.color and what in COLORS else text

    def _write(self, text: str) -> None:
        if self._progress_shown:
            self.stream.write(CLEAR)
            self._progress_shown = False
        self.stream.write(text + "\n")

    def emit(self, event: object) -> None:
        with self._lock:
            self._emit(event)
            self._draw_progress()
            self.stream.flush()
        if isinstance(event, RunFinished):
            self._stopped.set()

    def _draw_progress(self) -> None:
        """The live line of the running task, below everything written so far."""
        task = self._task
        if task is None or task.finished:
            if self._progress_shown:
                self.stream.write(CLEAR)
                self._progress_shown = False
            return
        self.stream.write(CLEAR + task.line())
        self._progress_shown = True

    def _tick(self) -> None:
        """Redraw the live line every second, so that its elapsed time moves."""
        while not self._stopped.wait(1.0):
            with self._lock:
                if self._progress_shown:
                    self._draw_progress()
                    self.stream.flush()

    def _start_task(self, event: TaskStarted, title: str) -> None:
        self._task = None
        if not self.progress or len(event.hosts) < 2:
            return
        self._task = TaskProgress(title, len(event.hosts))
        if self._ticker is None:
            self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
            self._ticker.start()

    def _emit(self, event: object) -> None:
        if isinstance(event, PlayStarted):
            mode = " (check mode)" if event.check else ""
            self._write("\n" + _banner(f"PLAY [{event.name or event.pattern}]{mode}"))
        elif isinstance(event, TaskStarted):
            label = "RUNNING HANDLER" if event.is_handler else "TASK"
            self._write("\n" + _banner(f"{label} [{event.name}]"))
            if self.verbosity >= 1 and event.span is not None:
                self._write(f"task path: {event.span}")
            self._start_task(event, f"{label} [{event.name}]")
        elif isinstance(event, HostResult):
            if self._task is not None:
                self._task.record(event.host, event.status)
            self._host_result(event)
        elif isinstance(event, HostProgress):
            self._write(self._paint(f"  ... [{event.host}] {event.message}", "skipped"))
        elif isinstance(event, Warning):
            where = f" ({event.span})" if event.span else ""
            who = f"[{event.host}] " if event.host else ""
            self._write(self._paint(f"[WARNING]: {who}{event.message}{where}", "warning"))
        elif isinstance(event, PlayRecap):
            self._task = None
            self._recap(event)
        elif isinstance(event, RunFinished) and event.unpredictable:
            self._write("\n" + self._paint("Known only after apply (check mode could not predict):",
                                           "unknown"))
            for line in event.unpredictable:
                self._write(f"  - {line}")

    def _host_result(self, event: HostResult) -> None:
        status = event.status
        label = {"unknown": "known after apply"}.get(status, status)
        host = event.host + (f" -> {event.delegated_to}" if event.delegated_to else "")
        item = f" => (item={event.item_label})" if event.item_label is not None else ""
        line = f"{label}: [{host}]{item}"
        if status in ("failed", "unreachable"):
            line += f": {'FAILED! => ' if status == 'failed' else 'UNREACHABLE! => '}"
            line += event.message or str(event.result.get("msg", ""))
            if event.ignored:
                line += "\n...ignoring"
        elif status == "unknown" and event.message:
            line += f": {event.message}"
        elif event.module == "debug" and status == "ok":
            if int(event.result.get("_verbosity", 0) or 0) > self.verbosity:
                return
            shown = {k: v for k, v in event.result.items() if k not in ("changed", "_verbosity", "failed")}
            if len(shown) > 1:
                shown.pop("msg", None)
            line += " => " + json.dumps(shown, indent=4, default=str, ensure_ascii=False)
        self._write(self._paint(line, status))
        if self.verbosity >= 1 and not event.no_log and status != "skipped":
            self._write(self._details(event))
        if self.diff and not event.no_log:
            for step in event.steps:
                if step.diff is not None and not step.sensitive:
                    self._write(self._diff(step.diff))

    def _details(self, event: HostResult) -> str:
        shown = {k: v for k, v in event.result.items() if k not in ("diff",)}
        text = json.dumps(shown, indent=4 if self.verbosity >= 2 else None, default=str, sort_keys=True)
        steps = "".join(f"\n    {step.action}: {step.summary}" for step in event.steps)
        return text + steps

    def _diff(self, diff: Diff) -> str:
        lines = []
        for line in diff.unified().splitlines():
            what = {"+": "diff+", "-": "diff-", "@": "diff@"}.get(line[:1], "")
            lines.append(self._paint(line, what) if what and not line.startswith(("+++", "---")) else line)
        return "\n".join(lines)

    def _recap(self, event: PlayRecap) -> None:
        self._write("\n" + _banner("PLAY RECAP"))
        width = max((len(host) for host in event.stats), default=0)
        for host, counts in event.stats.items():
            worst = "failed" if counts["failed"] else "unreachable" if counts["unreachable"] else \
                "changed" if counts["changed"] else "ok"
            fields = "  ".join(f"{name}={counts[name]}" for name in RECAP_FIELDS)
            self._write(f"{self._paint(host.ljust(width), worst)} : {fields}")


def _plain(value: Any) -> Any:
    if isinstance(value, Span):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return None  # step stdin (file contents) is never written out
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.name != "stdin"}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


class JsonLinesOutput:
    """One JSON object per event and line (``--output json``), for programs."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def emit(self, event: object) -> None:
        data = _plain(event)
        if isinstance(event, HostResult):
            # Steps are shown as what they change, never as the commands (which may carry secrets).
            data["steps"] = [
                {"action": step.action.value, "summary": step.summary,
                 **({"diff": _plain(step.diff)} if step.diff and not (step.sensitive or event.no_log) else {})}
                for step in event.steps
            ]
            if event.no_log:
                data["result"] = {"censored": "output hidden: no_log is set"}
        if isinstance(event, PlayRecap):
            data["stats"] = event.table()
        if isinstance(data, dict):
            data = {"event": data.pop("kind", type(event).__name__), **data}
        with self._lock:
            self.stream.write(json.dumps(data, default=str, sort_keys=False) + "\n")
            self.stream.flush()
