"""Run one command and measure it: wall time, peak RSS of its process tree, CPU seconds.

    m = measure(["ansible-playbook", "site.yml"], log=Path("run.log"), cwd=..., env=...)
    m.seconds, m.peak_rss_bytes, m.cpu_seconds, m.exit_code

- wall time: from spawning the process to reaping it (time.monotonic).
- peak RSS of the tree: a thread sums the resident set of the process and all its
  descendants (walking /proc/PID/task/TID/children, reading /proc/PID/statm) every
  `POLL_SECONDS` and keeps the largest sum. Pages shared between processes (ansible's
  forked workers) are counted once per process, so for a forking tool this is an upper
  bound; a peak shorter than the poll interval can be missed. The interval grows with the
  tree so that polling takes at most about a tenth of one core.
- largest single process: `ru_maxrss` from wait4(), exact but only for one process.
- CPU seconds: user + system time of the tree (the process and every descendant it waited
  for), from wait4(): the figure least disturbed by other work on a shared machine.

Output goes to `log`, never to a pipe: an ssh ControlPersist master that outlives
ansible-playbook would keep a pipe open.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

POLL_SECONDS = 0.05
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measurement:
    """One run of one command."""

    seconds: float
    peak_rss_bytes: int
    max_process_rss_bytes: int
    cpu_seconds: float
    exit_code: int


def measure(
    argv: Sequence[str], *, log: Path, cwd: Path, env: Mapping[str, str] | None = None
) -> Measurement:
    """Run `argv` to completion (output to `log`) and measure it; see the module docstring."""
    with open(log, "wb") as output:
        started = time.monotonic()
        process = subprocess.Popen(
            list(argv), cwd=cwd, env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        poller = _TreePoller(process.pid)
        poller.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        poller.stop()
    return Measurement(
        seconds=seconds,
        peak_rss_bytes=max(poller.peak, usage.ru_maxrss * 1024),
        max_process_rss_bytes=usage.ru_maxrss * 1024,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        exit_code=process.returncode,
    )


class _TreePoller(threading.Thread):
    """Samples the summed RSS of a process tree until stopped; `peak` is the largest sum."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            started = time.monotonic()
            self.peak = max(self.peak, tree_rss_bytes(self.root))
            spent = time.monotonic() - started  # big trees (ansible at 200 forks) cost more:
            self._done.wait(max(POLL_SECONDS, 10 * spent))  # keep polling under ~10% of a core

    def stop(self) -> None:
        self._done.set()
        self.join()


def tree_rss_bytes(root: int) -> int:
    """The summed resident set of `root` and its descendants now (0 for processes gone)."""
    total, pending, seen = 0, [root], set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/statm") as statm:
                total += int(statm.read().split()[1]) * PAGE_SIZE
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    pending += [int(child) for child in children.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue  # the process ended between listing and reading
    return total
