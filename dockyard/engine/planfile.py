"""The plan file (``dockyard plan --out plan.json``): versioned JSON, documented in docs/plan.md.

::

    write_plan(plan, Path("plan.json"))
    plan = read_plan(Path("plan.json"))     # PlanFileError if it is not a plan this version reads

Top level: ``format`` ("dockyard-plan"), ``version`` (:data:`PLAN_VERSION`), ``created``,
``dockyard``, ``source`` (playbook, inventory and their sha256, limit, tags, extra vars),
``summary`` and ``hosts`` (per host: status, message, tasks). A reader refuses any other
format or version rather than guess. Files are written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dockyard import __version__
from dockyard.engine.plan import HostPlan, Plan, PlannedAction, PlannedTask, PlanSource
from dockyard.errors import DockyardError

__all__ = ["PLAN_FORMAT", "PLAN_VERSION", "PlanFileError", "content_sha256", "plan_document",
           "read_plan", "write_plan"]

PLAN_FORMAT = "dockyard-plan"
PLAN_VERSION = 1


class PlanFileError(DockyardError):
    """A plan file that cannot be read (missing, not JSON, another format or version)."""


def content_sha256(sources: Iterable[str]) -> str:
    """sha256 over the content of files and directories (recursively, sorted); a source that
    is not a path (an inventory list like ``web1,web2,``) counts as its text."""
    digest = hashlib.sha256()
    for source in sources:
        path = Path(source)
        if not path.exists():
            digest.update(b"text\0" + source.encode() + b"\0")
            continue
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        digest.update(b"source\0")
        for each in files:
            digest.update(str(each.relative_to(path) if path.is_dir() else each.name).encode() + b"\0")
            digest.update(hashlib.sha256(each.read_bytes()).digest())
    return digest.hexdigest()


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan as the JSON document of docs/plan.md."""
    summary = plan.summary()
    return {
        "format": PLAN_FORMAT,
        "version": PLAN_VERSION,
        "created": plan.created or datetime.now(UTC).isoformat(timespec="seconds"),
        "dockyard": plan.dockyard_version or __version__,
        "source": {**asdict(plan.source), "inventory": list(plan.source.inventory),
                   "tags": list(plan.source.tags), "skip_tags": list(plan.source.skip_tags)},
        "summary": {**asdict(summary), "line": summary.line(), "has_changes": plan.has_changes()},
        "hosts": {name: {"status": host.status, "message": host.message,
                         "tasks": [_task(task) for task in host.tasks]}
                  for name, host in plan.hosts.items()},
    }


def _task(task: PlannedTask) -> dict[str, Any]:
    data = asdict(task)
    data.pop("host")
    data["actions"] = [asdict(action) for action in task.actions]
    return data


def write_plan(plan: Plan, path: Path) -> None:
    """Write the plan file atomically (a reader never sees half a plan)."""
    text = json.dumps(plan_document(plan), indent=2, default=str, ensure_ascii=False) + "\n"
    directory = path.parent if str(path.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def read_plan(path: Path) -> Plan:
    """Read a plan file written by :func:`write_plan` (this version of the format only)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PlanFileError(f"cannot read the plan {path}: {error.strerror}",
                            hint="make one with: dockyard plan PLAYBOOK -i INVENTORY --out FILE") from None
    except json.JSONDecodeError as error:
        raise PlanFileError(f"{path} is not JSON: {error.msg} at line {error.lineno}",
                            hint="is it the file 'dockyard plan --out' wrote?") from None
    if not isinstance(data, Mapping) or data.get("format") != PLAN_FORMAT:
        raise PlanFileError(f"{path} is not a dockyard plan (no \"format\": \"{PLAN_FORMAT}\")")
    if data.get("version") != PLAN_VERSION:
        raise PlanFileError(f"{path} is a version {data.get('version')} plan; this dockyard reads "
                            f"version {PLAN_VERSION}", hint="make the plan again with this dockyard")
    try:
        return _plan(data)
    except (KeyError, TypeError, ValueError) as error:
        raise PlanFileError(f"{path} is not a valid plan: {type(error).__name__}: {error}",
                            hint="was it edited by hand? make the plan again") from None


def _plan(data: Mapping[str, Any]) -> Plan:
    source = dict(data["source"])
    plan = Plan(PlanSource(
        playbook=str(source["playbook"]), playbook_sha256=str(source["playbook_sha256"]),
        inventory=tuple(source["inventory"]), inventory_sha256=str(source["inventory_sha256"]),
        limit=source.get("limit"), tags=tuple(source.get("tags", ())),
        skip_tags=tuple(source.get("skip_tags", ())), extra_vars=dict(source.get("extra_vars") or {}),
    ), created=str(data.get("created", "")), dockyard_version=str(data.get("dockyard", "")))
    for name, host in dict(data["hosts"]).items():
        tasks = []
        for task in host["tasks"]:
            fields = dict(task)
            fields["actions"] = tuple(PlannedAction(**action) for action in fields.get("actions", ()))
            tasks.append(PlannedTask(host=name, **fields))
        plan.hosts[name] = HostPlan(name, str(host["status"]), str(host.get("message", "")), tasks)
    return plan
