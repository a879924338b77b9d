"""Plans as data: the summary, the comparison apply makes, the plan file, the renderings."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from dockyard.cli.planview import render_console, render_markdown
from dockyard.engine.apply import compare_plans, source_drift
from dockyard.engine.pending import PendingChanges, declares_no_change, target_paths
from dockyard.engine.plan import HostPlan, Plan, PlannedAction, PlannedTask, PlanSource, plan_digest
from dockyard.engine.planfile import PlanFileError, content_sha256, read_plan, write_plan

SOURCE = PlanSource(playbook="/srv/site.yml", playbook_sha256="a" * 64, inventory=("/srv/hosts.ini",),
                    inventory_sha256="b" * 64, tags=("web",), extra_vars={"version": "1.2"})
CREATE = PlannedAction("create", "create directory /srv/app", "--- /srv/app\n+++ /srv/app\n-absent\n+directory\n")


def entry(host: str, task: str, status: str = "ok", line: int = 1, **fields: object) -> PlannedTask:
    actions = fields.pop("actions", (CREATE,) if status == "changed" else ())
    known = bool(fields.pop("known_after_apply", status == "unknown"))
    made = PlannedTask(task=task, host=host, status=status, span=f"site.yml:{line}:7",
                       actions=actions, known_after_apply=known, fingerprint="f" * 64, **fields)  # type: ignore[arg-type]
    return replace(made, digest=plan_digest(status, made.actions, known))


def sample() -> Plan:
    plan = Plan(SOURCE)
    plan.hosts["web1"] = HostPlan("web1", tasks=[
        entry("web1", "app dir", "changed", 1),
        entry("web1", "get version", "changed", 2, known_after_apply=True, reason="its result is known only after apply",
              actions=(PlannedAction("run", "run uname -r"),)),
        entry("web1", "use version", "unknown", 3, reason="out.stdout is known only after apply",
              depends_on="get version"),
        entry("web1", "unchanged", "ok", 4),
    ])
    plan.hosts["web2"] = HostPlan("web2", tasks=[entry("web2", "unchanged", "ok", 4)])
    plan.hosts["web3"] = HostPlan("web3", status="unreachable", message="connection refused")
    return plan


def test_the_summary_counts_changes_hosts_and_what_is_known_only_after_apply() -> None:
    summary = sample().summary()
    assert summary.line() == "3 to change on 1 host (2 known after apply), 1 unreachable"
    assert summary.actions == {"create": 1, "update": 0, "delete": 0, "run": 1}
    assert sample().has_changes() and sample().has_errors()


def test_the_same_plan_made_again_has_no_drift() -> None:
    assert compare_plans(sample(), sample()) == []


def test_drift_names_the_host_and_task_and_why() -> None:
    fresh = sample()
    tasks = fresh.hosts["web1"].tasks
    tasks[0] = replace(tasks[0], fingerprint="0" * 64)
    tasks[3] = entry("web1", "unchanged", "changed", 4)
    fresh.hosts["web2"] = HostPlan("web2", status="unreachable", message="timed out")
    lines = [drift.line() for drift in compare_plans(sample(), fresh)]
    assert lines == [
        "[web1] task 'app dir' (site.yml:1:7): the host changed since the plan (its probe reads differently)",
        "[web1] task 'unchanged' (site.yml:4:7): would now be changed (create create directory /srv/app); "
        "the plan said ok",
        "[web2]: host was ok when planned, is unreachable now: timed out",
    ]


def test_tasks_added_or_gone_are_drift_too() -> None:
    fresh = sample()
    fresh.hosts["web2"].tasks.append(entry("web2", "new task", "ok", 9))
    fresh.hosts["web1"].tasks.pop(0)
    lines = [drift.line() for drift in compare_plans(sample(), fresh)]
    assert "[web1] task 'app dir' (site.yml:1:7): was planned but would not run now" in lines
    assert "[web2] task 'new task' (site.yml:9:7): would run now but is not in the plan" in lines


def test_a_changed_playbook_or_inventory_is_found_before_any_host_is_read() -> None:
    assert source_drift(SOURCE, SOURCE) == []
    changed = replace(SOURCE, playbook_sha256="c" * 64, inventory_sha256="d" * 64)
    assert [d.line() for d in source_drift(SOURCE, changed)] == [
        "the playbook /srv/site.yml changed since the plan was made",
        "the inventory changed since the plan was made",
    ]


def test_the_plan_file_reads_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_plan(sample(), path)
    document = json.loads(path.read_text())
    assert (document["format"], document["version"]) == ("dockyard-plan", 1)
    assert document["summary"]["line"] == sample().summary().line()
    again = read_plan(path)
    assert again.hosts == sample().hosts and again.source == SOURCE
    assert compare_plans(sample(), again) == []


@pytest.mark.parametrize(("text", "message"), [
    ("{", "is not JSON"),
    ('{"format": "terraform"}', "is not a dockyard plan"),
    ('{"format": "dockyard-plan", "version": 99}', "is a version 99 plan"),
    ('{"format": "dockyard-plan", "version": 1, "source": {}}', "is not a valid plan"),
])
def test_a_plan_file_that_is_not_this_version_of_a_plan_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text)
    with pytest.raises(PlanFileError, match=message):
        read_plan(path)


def test_content_hashes_follow_the_content_not_the_path(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("x: 1\n")
    first = content_sha256([str(tmp_path / "a.yml")])
    assert content_sha256([os.path.relpath(tmp_path / "a.yml")]) == first
    (tmp_path / "a.yml").write_text("x: 2\n")
    assert content_sha256([str(tmp_path / "a.yml")]) != first
    assert content_sha256(["web1,web2,"]) != content_sha256(["web1,"])


def test_the_console_shows_changes_per_host_with_diffs_and_the_summary() -> None:
    text = render_console(sample())
    assert "web1\n  + app dir\n      create create directory /srv/app\n        --- /srv/app" in text
    assert "  > get version    (known after apply)" in text
    assert "  ? use version    (known after apply: out.stdout is known only after apply (needs 'get version'))" in text
    assert "unchanged" not in text
    assert "web2: no changes" in text and "web3: UNREACHABLE: connection refused" in text
    assert text.endswith("Plan: 3 to change on 1 host (2 known after apply), 1 unreachable\n"
                         "      create 1, update 0, delete 0, run 1\n")


def test_markdown_has_the_summary_a_table_and_folded_details() -> None:
    text = render_markdown(sample())
    assert "**3 to change on 1 host (2 known after apply), 1 unreachable**" in text
    assert "| web1 | 3 | 2 | ok |" in text and "| web3 | 0 | 0 | unreachable |" in text
    assert "<details><summary>web1: 3 to change</summary>" in text
    assert "    ```diff\n    --- /srv/app" in text


def test_a_task_reading_what_an_earlier_task_changes_depends_on_it() -> None:
    pending = PendingChanges()
    pending.add(target_paths({"path": "/srv/a/b/c", "state": "directory"}), "nested")
    assert pending.changed_before(target_paths({"path": "/srv/a", "mode": "0750"})) == ("/srv/a/b/c", "nested")
    assert pending.changed_before(target_paths({"dest": "/srv/a/b/c/"})) == ("/srv/a/b/c", "nested")
    assert pending.changed_before(target_paths({"dest": "/srv/a/b/c/file"})) is None  # absent either way
    assert pending.changed_before(target_paths({"dest": "/srv/ab"})) is None
    assert target_paths({"name": "appsvc", "src": "files/x", "dest": "relative"}) == []


def test_a_delegated_task_does_not_depend_on_its_own_change_for_another_host_of_its_wave() -> None:
    # web1 and web2 both run "register backend" with delegate_to: lb, at the same moment in
    # apply (one wave): what it changes for web1 is not "earlier" for web2 (the plan was
    # timing-dependent). A later serial batch, or a host waiting for a fork (no wave), is.
    register, reload, wave, next_batch = object(), object(), object(), object()
    pending = PendingChanges()
    pending.add(["/etc/haproxy.cfg"], "register backend", by=(register, "web1", wave))
    first = ("/etc/haproxy.cfg", "register backend")
    assert pending.changed_before(["/etc/haproxy.cfg"], by=(register, "web2", wave)) is None
    assert pending.changed_before(["/etc/haproxy.cfg"], by=(register, "web2", next_batch)) == first
    assert pending.changed_before(["/etc/haproxy.cfg"], by=(register, "web2", None)) == first
    # The same task for the same host (its loop's next item) and a later task do depend on it.
    assert pending.changed_before(["/etc/haproxy.cfg"], by=(register, "web1", wave)) == first
    assert pending.changed_before(["/etc/haproxy.cfg"], by=(reload, "web2", wave)) == first
    pending.add_everything("run on lb", by=(register, "web1", wave))
    assert pending.changed_before(["/etc/other"], by=(register, "web2", wave)) is None
    pending.add_everything("run on lb", by=(register, "web2", wave))  # web2's own first item
    assert pending.changed_before(["/etc/other"], by=(register, "web2", wave)) == ("the host", "run on lb")
    assert pending.changed_before(["/etc/other"], by=(reload, "web1", wave)) == ("the host", "run on lb")


def test_after_a_command_that_may_change_anything_every_read_depends_on_it() -> None:
    pending = PendingChanges()
    pending.add_everything("run the installer")
    assert pending.changed_before([]) == ("the host", "run the installer")
    assert pending.changed_before(["/etc/motd"], reads_host=False) is None  # debug, set_fact...
    assert declares_no_change((False,)) and declares_no_change(("no",))
    assert not declares_no_change(()) and not declares_no_change(("'created' in out.stdout",))
