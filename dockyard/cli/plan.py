"""``dockyard plan``: what a run would change, per host and task, before anything changes."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockyard.cli.options import (
    add_connection_args,
    add_inventory_args,
    add_selection_args,
    inventory_sources,
    run_options,
    split_tags,
)
from dockyard.cli.progress import Progress
from dockyard.engine.events import HostResult, TaskStarted, Warning

if TYPE_CHECKING:
    from dockyard.engine.plan import PlanSource

__all__ = ["PlanProgress", "plan_source", "register"]

EPILOG = """\
The plan is a check-mode run: every host is read, nothing is changed. Values that exist
only after apply (a command's output, what uses it) are shown as "known after apply".

examples:
  dockyard plan site.yml -i inventory/prod.ini
  dockyard plan site.yml -i hosts.ini --out plan.json          then: dockyard apply plan.json
  dockyard plan site.yml -i hosts.ini --format markdown > comment.md
  dockyard plan site.yml -i hosts.ini --detailed-exitcode      exit 2 when changes are pending

exit codes: 0 ok, 1 error (load error, or a host failed or was unreachable);
with --detailed-exitcode: 0 no changes, 2 changes pending, 1 error.
The plan file format is documented in docs/plan.md.
"""

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plan", help="show what a playbook would change, per host and task",
        description="Read every host and show what running the playbook would change.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("playbook", type=Path, metavar="PLAYBOOK")
    add_selection_args(parser)
    out = parser.add_argument_group("plan")
    out.add_argument("--out", type=Path, metavar="FILE", help="also write the plan as JSON, for 'dockyard apply'")
    out.add_argument("--format", choices=("console", "markdown", "json"), default="console",
                     help="how to print the plan: console (default), markdown (a merge-request "
                     "comment) or json (the plan file's content)")
    out.add_argument("--detailed-exitcode", action="store_true",
                     help="exit 0 when nothing would change, 2 when changes are pending, 1 on error")
    add_inventory_args(parser)
    add_connection_args(parser)
    parser.set_defaults(func=run_plan)


class PlanProgress:
    """An event sink for the plan's check run: progress on stderr, warnings too."""

    def __init__(self, verb: str = "planning") -> None:
        self.verb = verb
        self._progress: Progress | None = None

    def emit(self, event: object) -> None:
        if isinstance(event, TaskStarted):
            self.finish()
            self._progress = Progress(f"{self.verb} [{event.name}]", total=len(event.hosts))
        elif isinstance(event, HostResult) and self._progress is not None:
            self._progress.advance(event.host, event.status)
        elif isinstance(event, Warning):
            self.finish()
            who = f"[{event.host}] " if event.host else ""
            print(f"[WARNING]: {who}{event.message}", file=sys.stderr)

    def finish(self) -> None:
        if self._progress is not None:
            self._progress.finish()
            self._progress = None


def _absolute(source: str) -> str:
    return os.path.abspath(source) if os.path.exists(source) else source


def plan_source(playbook: Path, inventory: list[str], limit: str | None, tags: list[str],
                skip_tags: list[str], extra_vars: dict[str, Any]) -> PlanSource:
    """What a plan is made from, with the content hashes ``apply`` checks."""
    from dockyard.engine.plan import PlanSource
    from dockyard.engine.planfile import content_sha256

    sources = tuple(_absolute(source) for source in inventory)
    return PlanSource(
        playbook=str(playbook.resolve()), playbook_sha256=content_sha256([str(playbook)]),
        inventory=sources, inventory_sha256=content_sha256(sources), limit=limit,
        tags=tuple(sorted(split_tags(tags))), skip_tags=tuple(sorted(split_tags(skip_tags))),
        extra_vars=extra_vars,
    )


def run_plan(args: argparse.Namespace) -> int:
    from dockyard.cli.planview import render_console, render_markdown
    from dockyard.engine.plan import make_plan
    from dockyard.engine.planfile import plan_document, write_plan
    from dockyard.inventory.load import load_inventory
    from dockyard.playbook.load import load_playbook
    from dockyard.playbook.variables import load_extra_vars

    extra_vars = load_extra_vars(args.extra_vars)
    playbook = load_playbook(args.playbook, extra_vars=extra_vars)
    sources = inventory_sources(args, localhost_only=True)
    inventory = load_inventory(sources)
    source = plan_source(args.playbook, sources, args.limit, args.tags, args.skip_tags, extra_vars)
    progress = PlanProgress()
    try:
        plan = make_plan(playbook, inventory, run_options(args, extra_vars), source, sink=progress)
    finally:
        progress.finish()
    if args.out is not None:
        write_plan(plan, args.out)
    if args.format == "markdown":
        sys.stdout.write(render_markdown(plan))
    elif args.format == "json":
        import json

        sys.stdout.write(json.dumps(plan_document(plan), indent=2, default=str) + "\n")
    else:
        sys.stdout.write(render_console(plan, color=sys.stdout.isatty() and "NO_COLOR" not in os.environ))
    if args.out is not None:
        print(f"plan written to {args.out}; apply it with: dockyard apply {args.out}", file=sys.stderr)
    if plan.has_errors():
        return EXIT_ERROR
    return EXIT_CHANGES if args.detailed_exitcode and plan.has_changes() else EXIT_OK
