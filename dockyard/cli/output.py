"""Engine events drawn for people (console) or machines (JSON lines).

The console looks like Ansible's default output, so that people can read it without
learning anything, with a live "n/N hosts" counter while a task runs on many hosts::

    PLAY [web servers] *************************************************************

    TASK [install nginx] ***********************************************************
    changed: [web01]
    ok: [web02]

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

from dockyard.engine.events import (
    RECAP_FIELDS,
    HostResult,
    PlayRecap,
    PlayStarted,
    RunFinished,
    TaskProgress,
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
                 color: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.verbosity = verbosity
        self.diff = diff
        self.color = self.stream.isatty() if color is None else color
        self._lock = threading.Lock()
        self._task_hosts = 0
        self._task_done = 0
        self._progress_shown = False

    def _paint(self, text: str, what: str) -> str:
        return f"\033[{COLORS[what]}m{text}\033[0m" if self.color and what in COLORS else text

    def _write(self, text: str) -> None:
        if self._progress_shown:
            self.stream.write("\r\033[K")
            self._progress_shown = False
        self.stream.write(text + "\n")

    def emit(self, event: object) -> None:
        with self._lock:
            self._emit(event)
            self.stream.flush()

    def _emit(self, event: object) -> None:
        if isinstance(event, PlayStarted):
            mode = " (check mode)" if event.check else ""
            self._write("\n" + _banner(f"PLAY [{event.name or event.pattern}]{mode}"))
        elif isinstance(event, TaskStarted):
            label = "RUNNING HANDLER" if event.is_handler else "TASK"
            self._write("\n" + _banner(f"{label} [{event.name}]"))
            if self.verbosity >= 1 and event.span is not None:
                self._write(f"task path: {event.span}")
            self._task_hosts, self._task_done = len(event.hosts), 0
        elif isinstance(event, HostResult):
            self._host_result(event)
        elif isinstance(event, TaskProgress):
            self._write(self._paint(f"  ... [{event.host}] {event.message}", "skipped"))
        elif isinstance(event, Warning):
            where = f" ({event.span})" if event.span else ""
            who = f"[{event.host}] " if event.host else ""
            self._write(self._paint(f"[WARNING]: {who}{event.message}{where}", "warning"))
        elif isinstance(event, PlayRecap):
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
        self._task_done += 1
        if self.stream.isatty() and self._task_hosts > 1 and self._task_done < self._task_hosts:
            self.stream.write(f"  ... {self._task_done}/{self._task_hosts} hosts")
            self._progress_shown = True

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
