"""An ansible-core callback that records every task's outcome per host as JSON.

The compatibility suite (``tests/compat/test_playbooks_vs_ansible.py``) enables it next to
the default stdout callback and compares what it writes with dockyard's ``--output json``
events. The ``json`` callback would do, but it lives in ``ansible.posix``, which is not
part of ansible-core; this one needs nothing else.

The file named by ``$COMPAT_RECORD_FILE`` gets one JSON document::

    {"events": [{"event": "task", "name": "copy", "handler": false},
                {"event": "result", "host": "web1", "status": "changed", "item": false,
                 "ignored": false}, ...],
     "stats": {"web1": {"ok": 3, "changed": 1, "failures": 0, ...}}}
"""

from __future__ import annotations

import json
import os
from typing import Any

from ansible.plugins.callback import CallbackBase  # type: ignore[import-untyped]

DOCUMENTATION = """
    name: compat_record
    type: aggregate
    short_description: records task outcomes per host for dockyard's compatibility suite
    description: writes a JSON document to $COMPAT_RECORD_FILE at the end of the run
    requirements: [enable in callbacks_enabled]
"""


class CallbackModule(CallbackBase):  # type: ignore[misc]
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "compat_record"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.events: list[dict[str, Any]] = []

    def _task(self, task: Any, handler: bool) -> None:
        name = task.get_name().strip()
        role = getattr(task, "_role", None)
        if role is not None and name.startswith(f"{role.get_name()} : "):
            name = name[len(role.get_name()) + 3:]
        self.events.append({"event": "task", "name": name, "handler": handler,
                            "action": task.action})

    def _result(self, result: Any, status: str, *, item: bool = False, ignored: bool = False) -> None:
        self.events.append({"event": "result", "host": result._host.get_name(), "status": status,
                            "item": item, "ignored": ignored,
                            "label": str(self._get_item_label(result._result)) if item else None})

    @staticmethod
    def _ok(result: Any) -> str:
        return "changed" if result._result.get("changed", False) else "ok"

    def v2_playbook_on_task_start(self, task: Any, is_conditional: Any) -> None:
        self._task(task, handler=False)

    def v2_playbook_on_handler_task_start(self, task: Any) -> None:
        self._task(task, handler=True)

    def v2_runner_on_ok(self, result: Any) -> None:
        self._result(result, self._ok(result))

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._result(result, "failed", ignored=ignore_errors)

    def v2_runner_on_skipped(self, result: Any) -> None:
        self._result(result, "skipped")

    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._result(result, "unreachable")

    def v2_runner_item_on_ok(self, result: Any) -> None:
        self._result(result, self._ok(result), item=True)

    def v2_runner_item_on_failed(self, result: Any) -> None:
        self._result(result, "failed", item=True)

    def v2_runner_item_on_skipped(self, result: Any) -> None:
        self._result(result, "skipped", item=True)

    def v2_playbook_on_include(self, included_file: Any) -> None:
        for host in included_file._hosts:
            self.events.append({"event": "include", "host": host.get_name(),
                                "file": os.path.basename(str(included_file._filename))})

    def v2_playbook_on_stats(self, stats: Any) -> None:
        summary = {host: stats.summarize(host) for host in sorted(stats.processed)}
        path = os.environ["COMPAT_RECORD_FILE"]
        with open(path, "w", encoding="utf-8") as stream:
            json.dump({"events": self.events, "stats": summary}, stream, indent=1)
