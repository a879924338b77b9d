"""Run one playbook with dockyard or with ansible-playbook and read what each reported.

Both tools report the same thing in different shapes; this file turns either into a
:class:`PlayRun`: the tasks in the order they ran, each with every host's status (and
its loop items' statuses), and the recap counts per host.

* dockyard: ``dockyard play --output json`` prints one event per line (``task_started``,
  ``host_result``, ``play_recap``). A loop's items are ``host_result`` events with an
  ``item_label``; the task's own status is derived from them with Ansible's rule.
* ansible-playbook: the ``compat_record`` callback (``callback_plugins/``) writes the same
  information to a JSON file, next to the normal console output.

A status is ``ok``, ``changed``, ``skipped``, ``failed``, ``ignored`` (failed with
``ignore_errors``) or ``unreachable``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.compat.ansible_oracle import ansible_env

REPO = Path(__file__).resolve().parents[2]
CALLBACKS = Path(__file__).parent / "callback_plugins"
RECAP_FIELDS = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")
#: A guard against a hung run, not a speed check: under co-tenant load (load average 50+ on
#: 2 cores) ansible-playbook and the apt playbook took more than 300 s.
TIMEOUT = 900


@dataclass
class TaskRecord:
    """One task as it ran: its name, and per host its status and its loop items' statuses."""

    name: str
    handler: bool
    results: dict[str, str] = field(default_factory=dict)
    items: dict[str, list[str]] = field(default_factory=dict)

    def line(self) -> str:
        hosts = ", ".join(f"{host}={self.results.get(host, '-')}"
                          + (f"[{' '.join(self.items[host])}]" if self.items.get(host) else "")
                          for host in sorted(set(self.results) | set(self.items)))
        return f"{'HANDLER' if self.handler else 'TASK'} [{self.name}] {hosts}"


@dataclass(frozen=True)
class PlayRun:
    """What one tool reported for one run of one playbook."""

    tool: str
    returncode: int
    tasks: tuple[TaskRecord, ...]
    recap: dict[str, dict[str, int]]
    output: str
    unpredictable: tuple[str, ...] = ()
    """dockyard in check mode: the tasks whose result only a real run can tell."""

    def changed(self) -> int:
        return sum(counts["changed"] for counts in self.recap.values())

    def lines(self) -> list[str]:
        return [task.line() for task in self.tasks]


def loop_status(items: Sequence[str]) -> str:
    """A loop's status from its items, as Ansible decides it."""
    for status in ("unreachable", "failed", "ignored"):
        if status in items:
            return status
    if "changed" in items:
        return "changed"
    return "ok" if any(status == "ok" for status in items) else "skipped"


# -- dockyard -------------------------------------------------------------------------------


def run_dockyard(playbook: Path, inventory: Path, args: Sequence[str] = ()) -> PlayRun:
    """``dockyard play PLAYBOOK -i INVENTORY --output json ARGS`` from this checkout."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    argv = [sys.executable, "-m", "dockyard.cli.main", "play", playbook.name, "-i", str(inventory),
            "--output", "json", "--no-retry-file", *args]
    done = subprocess.run(argv, cwd=playbook.parent, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)
    events = []
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            events.append(json.loads(line))
    tasks, recap = _dockyard_records(events)
    unpredictable = [event.get("unpredictable", []) for event in events if event["event"] == "run_finished"]
    return PlayRun("dockyard", done.returncode, tasks, recap, done.stdout + done.stderr,
                   tuple(unpredictable[-1]) if unpredictable else ())


def _dockyard_records(events: Iterable[Mapping[str, Any]]) -> tuple[tuple[TaskRecord, ...], dict[str, dict[str, int]]]:
    tasks: list[TaskRecord] = []
    recap: dict[str, dict[str, int]] = {}
    for event in events:
        kind = event["event"]
        if kind == "task_started":
            tasks.append(TaskRecord(event["name"], bool(event["is_handler"])))
        elif kind == "host_result":
            status = "ignored" if event["status"] == "failed" and event["ignored"] else event["status"]
            if event["item_label"] is not None:
                tasks[-1].items.setdefault(event["host"], []).append(
                    "failed" if status == "ignored" else status)
                if status == "ignored":
                    tasks[-1].results[event["host"]] = "ignored"
            else:
                tasks[-1].results[event["host"]] = status
        elif kind == "play_recap":
            for host, counts in event["stats"].items():
                recap[host] = {name: int(counts.get(name, 0)) for name in RECAP_FIELDS}
    for task in tasks:
        for host, items in task.items.items():
            if task.results.get(host) != "ignored":
                task.results[host] = loop_status(items)
    return tuple(tasks), recap


# -- ansible-playbook -----------------------------------------------------------------------


def run_ansible_playbook(playbook: Path, inventory: Path, home: Path,
                         args: Sequence[str] = ()) -> PlayRun:
    """``ansible-playbook PLAYBOOK -i INVENTORY ARGS`` with the recording callback."""
    record = home / "record.json"
    record.unlink(missing_ok=True)
    env = ansible_env(home)
    env.update({
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
        "ANSIBLE_CALLBACKS_ENABLED": "compat_record",
        "ANSIBLE_FORKS": "10",
        "COMPAT_RECORD_FILE": str(record),
    })
    argv = ["ansible-playbook", playbook.name, "-i", str(inventory), *args]
    # OpenSSH's control sockets need a short path (sun_path is 108 bytes).
    with tempfile.TemporaryDirectory(prefix="ansible-cp-", dir="/tmp") as sockets:
        env["ANSIBLE_SSH_CONTROL_PATH_DIR"] = sockets
        done = subprocess.run(argv, cwd=playbook.parent, env=env, capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
    output = done.stdout + done.stderr
    if not record.exists():
        raise AssertionError(f"ansible-playbook wrote no record (exit {done.returncode}):\n{output}")
    data = json.loads(record.read_text())
    tasks = _ansible_records(data["events"])
    recap = {host: {name: int(counts.get("failures" if name == "failed" else name, 0))
                    for name in RECAP_FIELDS}
             for host, counts in data["stats"].items()}
    return PlayRun("ansible", done.returncode, tasks, recap, output)


def _ansible_records(events: Iterable[Mapping[str, Any]]) -> tuple[TaskRecord, ...]:
    """Task records from the callback's events; ``meta`` tasks are left out.

    ansible-playbook shows a ``meta`` task's banner (twice for ``flush_handlers`` and
    ``end_host``) and a "skipping" line for hosts whose ``when`` is false, but counts
    nothing for it; dockyard does not show meta tasks (docs/playbooks.md, Differences).
    """
    tasks: list[TaskRecord] = []
    current: TaskRecord | None = None
    for event in events:
        if event["event"] == "task":
            current = None
            if str(event["action"]).rsplit(".", 1)[-1] != "meta":
                current = TaskRecord(event["name"], bool(event["handler"]))
                tasks.append(current)
        elif event["event"] == "result" and current is not None:
            status = "ignored" if event["status"] == "failed" and event["ignored"] else event["status"]
            if event["item"]:
                current.items.setdefault(event["host"], []).append(status)
            else:
                current.results[event["host"]] = status
    return tuple(tasks)
