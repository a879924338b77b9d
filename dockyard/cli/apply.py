"""``dockyard apply plan.json``: apply a saved plan, only if the hosts are still as planned."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockyard.cli.options import add_connection_args, run_options
from dockyard.cli.output import ConsoleOutput, JsonLinesOutput
from dockyard.cli.plan import PlanProgress, plan_source

if TYPE_CHECKING:
    from dockyard.engine.apply import Drift

__all__ = ["register"]

EPILOG = """\
Every host is read again first (one connection per host serves both the check and the
apply). If any host, task or the playbook differs from what the plan saw, nothing is
changed on any host and the differences are listed.

examples:
  dockyard plan site.yml -i hosts.ini --out plan.json && dockyard apply plan.json

exit codes: 0 ok, 1 load error, 2 a host failed, 3 refused: the hosts or the playbook
changed since the plan (nothing was changed), 4 a host was unreachable.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "apply", help="apply a plan made by 'dockyard plan --out', if nothing drifted",
        description="Apply a saved plan: check every host against it, then run the playbook.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("plan", type=Path, metavar="PLAN", help="the file 'dockyard plan --out' wrote")
    run = parser.add_argument_group("run")
    run.add_argument("-D", "--diff", action="store_true", help="show the differences while applying")
    run.add_argument("--output", choices=("console", "json"), default="console",
                     help="console (default) or json: one event per line")
    run.add_argument("-v", "--verbose", action="count", default=0, help="more detail (-vv, -vvv)")
    add_connection_args(parser)
    parser.set_defaults(func=run_apply)


def _drift_lines(drift: Sequence[Drift], per_host: int = 8) -> list[str]:
    """One line per drift, at most ``per_host`` for each host (then how many more)."""
    lines: list[str] = []
    shown: Counter[str | None] = Counter()
    for each in drift:
        shown[each.host] += 1
        if shown[each.host] <= per_host:
            lines.append(each.line())
    for host, count in shown.items():
        if count > per_host:
            lines.append(f"[{host}]: and {count - per_host} more")
    return lines


def run_apply(args: argparse.Namespace) -> int:
    from dockyard.engine.apply import apply_plan
    from dockyard.engine.planfile import read_plan
    from dockyard.inventory.load import load_inventory
    from dockyard.playbook.load import load_playbook

    saved = read_plan(args.plan)
    source = saved.source
    playbook_path = Path(source.playbook)
    extra_vars = dict(source.extra_vars)
    current = plan_source(playbook_path, list(source.inventory), source.limit, list(source.tags),
                          list(source.skip_tags), extra_vars)
    playbook = load_playbook(playbook_path, extra_vars=extra_vars)
    args.limit, args.tags, args.skip_tags = source.limit, list(source.tags), list(source.skip_tags)
    options = run_options(args, extra_vars, diff=args.diff)
    sink = JsonLinesOutput() if args.output == "json" else ConsoleOutput(verbosity=args.verbose, diff=args.diff)
    progress = PlanProgress("checking against the plan")
    try:
        outcome = apply_plan(saved, current, playbook, lambda: load_inventory(list(source.inventory)),
                             options, sink=sink, check_sink=progress)
    finally:
        progress.finish()
    if outcome.drift:
        print(f"error: the hosts no longer match the plan {args.plan}; nothing was changed on any host:",
              file=sys.stderr)
        for line in _drift_lines(outcome.drift):
            print(f"  - {line}", file=sys.stderr)
        print("hint: make a new plan (dockyard plan ... --out FILE), review it, and apply that",
              file=sys.stderr)
    return outcome.exit_code
