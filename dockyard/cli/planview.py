"""A plan drawn for people: on a console (like Terraform's) or as markdown for a merge request.

Only what would change is listed, per host, with a sign for the kind of change::

    lab01
      + app directory                      create directory /srv/app (mode 0755)
      ~ settings file                      update file /srv/app/settings.ini
          --- before / +++ after ...       (the diff, unless the task hides it)
      > initialise                         run touch /srv/app/.init  (known after apply)
      ? use the version                    known after apply: out.stdout (needs 'get version')

    Plan: 4 to change on 1 host (2 known after apply), 0 unreachable
          create 1, update 1, delete 0, run 1
"""

from __future__ import annotations

from collections.abc import Iterator

from dockyard.engine.plan import HostPlan, Plan, PlannedTask

__all__ = ["render_console", "render_markdown"]

SIGNS = {"create": "+", "update": "~", "delete": "-", "run": ">"}
COLORS = {"+": "32", "~": "33", "-": "31", ">": "36", "?": "35", "!": "31"}


def _sign(task: PlannedTask) -> str:
    if task.status in ("failed", "unreachable"):
        return "!"
    if task.status == "unknown" or not task.actions:
        return "?"
    kinds = {action.action for action in task.actions}
    return SIGNS[task.actions[0].action] if len(kinds) == 1 else "~"


def _note(task: PlannedTask) -> str:
    if task.status in ("failed", "unreachable"):
        return f"{task.status}: {task.message.splitlines()[0] if task.message else ''}".rstrip(": ")
    if task.status == "unknown":
        needs = f" (needs '{task.depends_on}')" if task.depends_on else ""
        return f"known after apply: {task.reason}{needs}"
    if task.known_after_apply:
        return "known after apply"
    return ""


def _shown(host: HostPlan) -> list[PlannedTask]:
    return [task for task in host.tasks if task.changes or task.status in ("failed", "unreachable")]


def _action_counts(plan: Plan) -> str:
    return ", ".join(f"{name} {count}" for name, count in plan.summary().actions.items())


def render_console(plan: Plan, *, color: bool = False) -> str:
    """The plan as console text, ending with the summary line."""
    def paint(text: str, sign: str) -> str:
        return f"\033[{COLORS[sign]}m{text}\033[0m" if color and sign in COLORS else text

    lines = [f"dockyard plan: {plan.source.playbook}", ""]
    for host in plan.hosts.values():
        shown = _shown(host)
        if host.status == "unreachable":
            lines.append(paint(f"{host.host}: UNREACHABLE: {host.message}", "!"))
            continue
        if not shown:
            lines.append(f"{host.host}: no changes")
            continue
        lines.append(host.host)
        for task in shown:
            sign = _sign(task)
            lines.append(paint(f"  {sign} {task.label}", sign) + _tail(_note(task)))
            for action in task.actions:
                lines.append(f"      {action.action} {action.summary}")
                if action.diff:
                    lines += [f"        {line}" for line in action.diff.rstrip("\n").splitlines()]
    summary = plan.summary()
    lines += ["", f"Plan: {summary.line()}"]
    if summary.to_change:
        lines.append(f"      {_action_counts(plan)}")
    return "\n".join(lines) + "\n"


def _tail(note: str) -> str:
    return f"    ({note})" if note else ""


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def render_markdown(plan: Plan) -> str:
    """The plan as GitHub/GitLab markdown: summary, a table per host, details folded."""
    summary = plan.summary()
    lines = [f"### dockyard plan: `{plan.source.playbook}`", "", f"**{summary.line()}**"]
    if summary.to_change:
        lines[-1] += f" ({_action_counts(plan)})"
    lines += ["", "| host | to change | known after apply | status |", "|---|---:|---:|---|"]
    for host in plan.hosts.values():
        changes = host.changes()
        unknown = sum(1 for task in changes if task.known_after_apply)
        lines.append(f"| {_md(host.host)} | {len(changes)} | {unknown} | {host.status} |")
    for host in plan.hosts.values():
        shown = _shown(host)
        if shown:
            lines += ["", f"<details><summary>{_md(host.host)}: {len(host.changes())} to change</summary>", ""]
            lines += list(_markdown_tasks(shown))
            lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _markdown_tasks(tasks: list[PlannedTask]) -> Iterator[str]:
    for task in tasks:
        note = _note(task)
        yield f"- `{_sign(task)}` **{_md(task.label)}**" + (f" — _{_md(note)}_" if note else "")
        for action in task.actions:
            yield f"  - {action.action} {_md(action.summary)}"
            if action.diff:
                fence = "````" if "```" in action.diff else "```"
                yield f"    {fence}diff"
                yield from (f"    {line}" for line in action.diff.rstrip("\n").splitlines())
                yield f"    {fence}"
