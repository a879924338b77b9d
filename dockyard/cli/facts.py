"""``dockyard facts`` and ``dockyard ping``: reach hosts, read what they are."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from dockyard.cli.options import (
    add_connection_args,
    add_inventory_args,
    connection_options,
    load_inventory_args,
    select_hosts,
)
from dockyard.cli.progress import Progress
from dockyard.connection.base import Connection
from dockyard.connection.pool import ConnectionPool
from dockyard.engine.parallel import HostOutcome, for_each_host
from dockyard.source import render_error

__all__ = ["register"]

FACTS_EPILOG = """\
Facts are gathered with one command per host: a POSIX sh script that needs no Python
on the target. Names and shapes are Ansible's (ansible_distribution, ansible_default_ipv4,
...), plus dockyard_container_runtime, dockyard_swarm and dockyard_k3s.

examples:
  dockyard facts -i inventory/lab.ini                  all hosts, one JSON document
  dockyard facts -i inventory/lab.ini web --tree out/  one file per host in out/
  dockyard facts -i inv.ini db01 | jq .db01.ansible_default_ipv4.address
"""

PING_EPILOG = """\
Opens one SSH connection per host and runs one command; prints the round trip.

examples:
  dockyard ping -i inventory/lab.ini
  dockyard ping -i inventory/lab.ini 'web:!web03' --host-key-checking accept-new
"""


def register(subparsers: Any) -> None:
    facts = subparsers.add_parser(
        "facts", help="gather facts from hosts and print them as JSON",
        description="Gather facts from hosts and print them as JSON, keyed by host.",
        epilog=FACTS_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    facts.add_argument("pattern", nargs="?", default="all", help="host pattern (default: all)")
    facts.add_argument("--tree", type=Path, metavar="DIR", help="also write DIR/HOST.json per host")
    _common(facts)
    facts.set_defaults(func=run_facts)
    ping = subparsers.add_parser(
        "ping", help="check that hosts can be reached and run a command",
        description="Check that every host can be reached over SSH and runs a shell command.",
        epilog=PING_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ping.add_argument("pattern", nargs="?", default="all", help="host pattern (default: all)")
    _common(ping)
    ping.set_defaults(func=run_ping)


def _common(parser: argparse.ArgumentParser) -> None:
    add_inventory_args(parser)
    add_connection_args(parser)


def _exit_code(outcomes: list[HostOutcome[Any]]) -> int:
    from dockyard.cli.main import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE

    statuses = {outcome.status for outcome in outcomes}
    if "failed" in statuses:
        return EXIT_FAILED
    if "unreachable" in statuses:
        return EXIT_UNREACHABLE
    return EXIT_OK


def _report_problem(outcome: HostOutcome[Any]) -> None:
    assert outcome.error is not None
    label = "UNREACHABLE" if outcome.status == "unreachable" else "FAILED"
    print(render_error(outcome.error, prefix=f"{outcome.host} | {label}"), file=sys.stderr)


def _run(args: argparse.Namespace, verb: str, work: Any) -> tuple[list[HostOutcome[Any]], list[str]]:
    inventory = load_inventory_args(args)
    names = [host.name for host in select_hosts(inventory, args.pattern, args.limit)]
    outcomes: list[HostOutcome[Any]] = []
    with ConnectionPool(inventory.get_vars, connection_options(args)) as pool:
        progress = Progress(verb, total=len(names))
        for outcome in for_each_host(names, pool, lambda host, conn: work(pool, host, conn),
                                     forks=args.forks):
            progress.advance(outcome.host, outcome.status)
            outcomes.append(outcome)
        progress.finish()
    return outcomes, names


def run_facts(args: argparse.Namespace) -> int:
    from dockyard.facts.gather import gather_facts

    def work(pool: ConnectionPool, host: str, conn: Connection) -> dict[str, Any]:
        return gather_facts(conn, become=pool.spec(host).become)

    outcomes, names = _run(args, "gathering facts", work)
    by_host = {outcome.host: outcome for outcome in outcomes}
    document = {name: by_host[name].value for name in names if by_host[name].status == "ok"}
    json.dump(document, sys.stdout, indent=2, sort_keys=True, default=str)
    print()
    if args.tree:
        args.tree.mkdir(parents=True, exist_ok=True)
        for name, facts in document.items():
            (args.tree / f"{name}.json").write_text(json.dumps(facts, indent=2, sort_keys=True))
    for name in names:
        if by_host[name].status != "ok":
            _report_problem(by_host[name])
    return _exit_code(outcomes)


def run_ping(args: argparse.Namespace) -> int:
    def work(pool: ConnectionPool, host: str, conn: Connection) -> float:
        started = time.monotonic()
        result = conn.run("echo pong", become=pool.spec(host).become)
        if result.text().strip() != "pong":
            from dockyard.errors import CommandError

            raise CommandError(f"'echo pong' answered rc={result.rc}: {result.tail()}",
                               rc=result.rc, stderr=result.error_text(), host=host)
        return (time.monotonic() - started) * 1000

    outcomes, names = _run(args, "pinging", work)
    by_host = {outcome.host: outcome for outcome in outcomes}
    for name in names:
        outcome = by_host[name]
        if outcome.status == "ok":
            print(f"{name} | SUCCESS | pong in {outcome.value:.0f} ms")
        else:
            _report_problem(outcome)
    counts = {status: sum(o.status == status for o in outcomes) for status in ("ok", "failed", "unreachable")}
    print(f"\n{counts['ok']} ok, {counts['failed']} failed, {counts['unreachable']} unreachable",
          file=sys.stderr)
    return _exit_code(outcomes)
