"""``dockyard inventory``: show an inventory as Ansible sees it (``ansible-inventory``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dockyard.cli.options import add_inventory_args, load_inventory_args
from dockyard.inventory.render import graph, host_json, list_json

__all__ = ["register", "run_inventory"]

DESCRIPTION = """\
Read an inventory (INI, YAML, a directory of them, or 'host1,host2,') with its
group_vars/ and host_vars/, and print it the way 'ansible-inventory' does:
the same JSON for --list and --host, the same tree for --graph.
Every problem in the inventory is reported at once, with file:line and a hint.
"""

EPILOG = """\
examples:
  dockyard inventory -i inventory/prod.ini --graph
  dockyard inventory -i inventory/prod.ini --graph web --vars
  dockyard inventory -i inventory/ --list                  all groups and host variables
  dockyard inventory -i prod.ini -i lab.yml --list --limit 'web:!web03'
  dockyard inventory -i prod.ini --host web01              merged variables of one host
  dockyard inventory -i 'web01,web02:2222,' --list         a host list, no file
  dockyard inventory -i prod.ini --list --export           own vars only, groups get 'vars'

Without -i, ./inventory is read (or $DOCKYARD_INVENTORY). Without --list, --graph or
--host, the tree of all groups is drawn (--graph). Problems are printed as FILE:LINE:COL
with the line and a hint; nothing is printed on stdout then.
exit codes: 0 ok, 1 the inventory has problems or the host/group does not exist.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "inventory", help="show hosts, groups and variables (like ansible-inventory)",
        description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    action = parser.add_argument_group(
        "what to show (one of; default: --graph)").add_mutually_exclusive_group()
    action.add_argument("--list", action="store_true",
                        help="all groups and hosts as JSON, with _meta.hostvars")
    action.add_argument("--graph", nargs="?", const="all", metavar="GROUP",
                        help="the group tree, from GROUP (default: all)")
    action.add_argument("--host", metavar="NAME", help="the merged variables of one host, as JSON")
    parser.add_argument("--vars", action="store_true",
                        help="with --graph: also show the variables of hosts and groups")
    parser.add_argument("--export", action="store_true",
                        help="show each host's and group's own variables instead of merged ones")
    add_inventory_args(parser)
    parser.set_defaults(func=run_inventory)


def run_inventory(args: argparse.Namespace) -> int:
    inventory = load_inventory_args(args)
    from dockyard.source import render_error

    for warning in inventory.warnings:
        print(render_error(warning, prefix="warning"), file=sys.stderr)
    if args.list:
        text = list_json(inventory, limit=args.limit, export=args.export)
    elif args.host is not None:
        text = host_json(inventory, args.host, export=args.export)
    else:
        text = graph(inventory, args.graph or "all", show_vars=args.vars, export=args.export)
    print(text)
    return 0
