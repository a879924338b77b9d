"""``dockyard check-syntax``: load playbooks the way ``dockyard play`` does, run nothing.

Every problem in the playbooks, the task files they import, their roles and their
``vars_files`` is printed at once, as ``file:line:col`` with the source line, a caret
and a hint. No inventory is read and no host is contacted.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dockyard.errors import DiagnosticsError, DockyardError
from dockyard.playbook.model import Block, Node, Play, Playbook, Task, iter_tasks

__all__ = ["register", "run_check"]

DESCRIPTION = """\
Load each PLAYBOOK with everything it reaches without a host (imported playbooks and
task files, roles and their dependencies, vars_files, include_tasks/include_role with
plain names) and report every problem found, together. Nothing is run.
"""

EPILOG = """\
examples:
  dockyard check-syntax site.yml
  dockyard check-syntax site.yml --list-tasks     the tasks as loaded, with inherited keywords

exit codes: 0 no problem found, 1 problems were found (all of them are printed).
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check-syntax", help="report every problem in playbooks, before anything runs",
        description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("playbooks", nargs="+", type=Path, metavar="PLAYBOOK")
    parser.add_argument("--list-tasks", action="store_true",
                        help="print each play's tasks in run order, with inherited when/tags/become")
    parser.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    from dockyard.playbook.load import load_playbook

    errors: list[DockyardError] = []
    loaded: list[Playbook] = []
    for path in args.playbooks:
        try:
            loaded.append(load_playbook(path))
        except DiagnosticsError as problems:
            errors += problems.errors
        except DockyardError as error:
            errors.append(error)
    if errors:
        raise errors[0] if len(errors) == 1 else DiagnosticsError(errors)
    for playbook in loaded:
        print(summary(playbook))
        if args.list_tasks:
            for play in playbook.plays:
                print("\n".join(task_lines(play)))
    return 0


def summary(playbook: Playbook) -> str:
    plays = playbook.plays
    tasks = sum(len(iter_tasks(nodes)) for play in plays for nodes in play.sections())
    handlers = sum(len(iter_tasks(play.handlers)) for play in plays)
    roles = len({ref.path for play in plays for ref in play.roles})
    return (f"{playbook.path}: {_count(len(plays), 'play')}, {_count(tasks, 'task')}, "
            f"{_count(handlers, 'handler')}, {_count(roles, 'role')}: no problems found")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def task_lines(play: Play) -> list[str]:
    lines = [f"\nplay: {play.name or play.hosts}  (hosts: {play.hosts})"]
    for phase in play.phases():
        if phase.nodes:
            lines.append(f"  {phase.name}:")
            lines += _node_lines(phase.nodes, "    ")
    if play.handlers:
        lines.append("  handlers:")
        lines += _node_lines(play.handlers, "    ")
    return lines


def _node_lines(nodes: tuple[Node, ...], indent: str) -> list[str]:
    lines: list[str] = []
    for node in nodes:
        if isinstance(node, Block):
            lines.append(f"{indent}block: {node.name or ''}".rstrip())
            for part, inner in (("block", node.block), ("rescue", node.rescue), ("always", node.always)):
                if inner and part != "block":
                    lines.append(f"{indent}{part}:")
                lines += _node_lines(inner, indent + "  ")
        else:
            lines.append(f"{indent}{_task_line(node)}")
    return lines


def _task_line(task: Task) -> str:
    details = [task.module]
    if task.when:
        details.append("when: " + " and ".join(str(c) for c in task.when))
    if task.tags:
        details.append("tags: " + ",".join(sorted(task.tags)))
    if task.become:
        details.append(f"become: {task.become_user or 'root'}")
    if task.loop_kind:
        details.append(task.loop_kind)
    return f"{task.display_name}  [{'; '.join(details)}]  {task.span}"
