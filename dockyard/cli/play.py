"""``dockyard play``: run Ansible playbooks, with exact --check and --diff."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dockyard.cli.options import (
    add_connection_args,
    add_inventory_args,
    add_selection_args,
    load_inventory_args,
    run_options,
)
from dockyard.cli.output import ConsoleOutput, JsonLinesOutput

__all__ = ["register"]

EPILOG = """\
Every module reads the host, computes the difference and only then acts, so --check
shows exactly what a real run would change, and --diff shows it line by line.

examples:
  dockyard play site.yml -i inventory/prod.ini
  dockyard play site.yml -i hosts.ini --check --diff          what would change, nothing touched
  dockyard play site.yml -i hosts.ini --limit 'web:!web03' -t nginx
  dockyard play site.yml -i hosts.ini -e version=1.2 -e @vars.yml
  dockyard play site.yml -i hosts.ini --output json | jq .    one JSON event per line

exit codes: 0 ok, 1 load error (nothing was run), 2 a host failed, 4 a host was unreachable.
Failed hosts are written to PLAYBOOK.retry; rerun them with --limit @PLAYBOOK.retry.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "play", help="run playbooks against hosts (Ansible syntax)",
        description="Run one or more playbooks against the hosts of an inventory.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("playbooks", nargs="+", type=Path, metavar="PLAYBOOK")
    run = add_selection_args(parser)
    run.add_argument("-C", "--check", action="store_true", help="change nothing; report what would change")
    run.add_argument("-D", "--diff", action="store_true", help="show the differences in files and attributes")
    run.add_argument("--start-at-task", metavar="NAME", help="start at the task with this name")
    run.add_argument("--syntax-check", action="store_true", help="only load and check the playbooks")
    run.add_argument("--list-tasks", action="store_true", help="list the tasks that would run")
    run.add_argument("--list-hosts", action="store_true", help="list the hosts each play targets")
    run.add_argument("--output", choices=("console", "json"), default="console",
                     help="console (default) or json: one event per line")
    run.add_argument("--no-retry-file", action="store_true", help="do not write PLAYBOOK.retry")
    add_inventory_args(parser)
    add_connection_args(parser)
    parser.set_defaults(func=run_play)


def run_play(args: argparse.Namespace, default_inventory: Callable[[], Any] | None = None) -> int:
    """``default_inventory()``: the inventory when none was given (``dockyard pull``: this machine)."""
    from dockyard.engine.run import Runner
    from dockyard.errors import Diagnostics, DockyardError
    from dockyard.playbook.load import load_playbook
    from dockyard.playbook.variables import load_extra_vars

    diagnostics = Diagnostics()
    playbooks = []
    for path in args.playbooks:
        try:
            playbooks.append(load_playbook(path))
        except DockyardError as error:
            for each in getattr(error, "errors", [error]):
                diagnostics.add(each)
    extra_vars = load_extra_vars(args.extra_vars)
    diagnostics.raise_if_any()
    if args.syntax_check:
        print(f"playbook: {', '.join(str(p) for p in args.playbooks)}: syntax OK")
        return 0
    inventory = default_inventory() if default_inventory is not None and not args.inventory \
        else load_inventory_args(args, localhost_only=True)
    if args.list_hosts or args.list_tasks:
        return _list(playbooks, inventory, args)
    sink = JsonLinesOutput() if args.output == "json" else ConsoleOutput(
        verbosity=args.verbose, diff=args.diff)
    options = run_options(args, extra_vars, check=args.check, diff=args.diff,
                          start_at_task=args.start_at_task)
    code = 0
    failed: set[str] = set()
    for playbook in playbooks:
        runner = Runner(playbook, inventory, options, sink)
        code = max(code, runner.run())
        failed |= set(runner.failed_hosts())
    if failed and not args.no_retry_file:
        retry = args.playbooks[-1].with_suffix(".retry")
        retry.write_text("".join(f"{host}\n" for host in sorted(failed)))
        print(f"\nretry file: {retry} (use --limit @{retry})", file=sys.stderr)
    return code


def _list(playbooks: list[Any], inventory: Any, args: argparse.Namespace) -> int:
    for playbook in playbooks:
        print(f"\nplaybook: {playbook.path}")
        for play in playbook.plays:
            hosts = [h.name for h in inventory.select(play.hosts)]
            if args.limit:
                allowed = {h.name for h in inventory.select(args.limit)}
                hosts = [h for h in hosts if h in allowed]
            print(f"\n  play: {play.name or play.hosts}")
            if args.list_hosts:
                print(f"    hosts ({len(hosts)}):")
                for host in hosts:
                    print(f"      {host}")
            if args.list_tasks:
                print("    tasks:")
                for task in _walk_tasks(play):
                    tags = sorted(getattr(task, "tags", ()) or ())
                    print(f"      {task.name or task.action}\tTAGS: [{', '.join(tags)}]")
    return 0


def _walk_tasks(play: Any) -> list[Any]:
    found: list[Any] = []

    def walk(nodes: Any) -> None:
        for node in nodes:
            if hasattr(node, "block"):
                walk(node.block)
                walk(node.rescue)
                walk(node.always)
            else:
                found.append(node)

    for section in play.sections():
        walk(section)
    return found
