"""``dockyard play``: run Ansible playbooks, with exact --check and --diff."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from dockyard.cli.options import (
    add_connection_args,
    add_inventory_args,
    connection_options,
    load_inventory_args,
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
    run = parser.add_argument_group("run")
    run.add_argument("-C", "--check", action="store_true", help="change nothing; report what would change")
    run.add_argument("-D", "--diff", action="store_true", help="show the differences in files and attributes")
    run.add_argument("-t", "--tags", action="append", default=[], metavar="TAGS",
                     help="only tasks with these tags (comma-separated; repeatable)")
    run.add_argument("--skip-tags", action="append", default=[], metavar="TAGS",
                     help="skip tasks with these tags")
    run.add_argument("--start-at-task", metavar="NAME", help="start at the task with this name")
    run.add_argument("-e", "--extra-vars", action="append", default=[], metavar="VARS",
                     help="key=value, JSON/YAML text, or @file.yml; they outrank every other variable")
    run.add_argument("--syntax-check", action="store_true", help="only load and check the playbooks")
    run.add_argument("--list-tasks", action="store_true", help="list the tasks that would run")
    run.add_argument("--list-hosts", action="store_true", help="list the hosts each play targets")
    run.add_argument("--output", choices=("console", "json"), default="console",
                     help="console (default) or json: one event per line")
    run.add_argument("-v", "--verbose", action="count", default=0, help="more detail (-vv, -vvv)")
    run.add_argument("--no-retry-file", action="store_true", help="do not write PLAYBOOK.retry")
    add_inventory_args(parser)
    add_connection_args(parser)
    parser.set_defaults(func=run_play)


def _split(values: list[str]) -> frozenset[str]:
    return frozenset(tag.strip() for value in values for tag in value.split(",") if tag.strip())


def run_play(args: argparse.Namespace) -> int:
    from dockyard.engine.run import Runner, RunOptions
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
    inventory = load_inventory_args(args, localhost_only=True)
    if args.list_hosts or args.list_tasks:
        return _list(playbooks, inventory, args)
    sink = JsonLinesOutput() if args.output == "json" else ConsoleOutput(
        verbosity=args.verbose, diff=args.diff)
    options = RunOptions(
        check=args.check, diff=args.diff, limit=args.limit, tags=_split(args.tags),
        skip_tags=_split(args.skip_tags), start_at_task=args.start_at_task, forks=args.forks,
        extra_vars=extra_vars, connection=connection_options(args), verbosity=args.verbose,
    )
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
