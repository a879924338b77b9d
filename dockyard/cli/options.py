"""Options shared by the commands that talk to hosts, and how they become objects."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockyard.connection.spec import HOST_KEY_POLICIES, ConnectionOptions
from dockyard.engine.parallel import DEFAULT_FORKS
from dockyard.errors import InventoryError

if TYPE_CHECKING:
    from dockyard.engine.run import RunOptions
    from dockyard.inventory.model import Host, Inventory

__all__ = [
    "add_connection_args",
    "add_inventory_args",
    "add_selection_args",
    "connection_options",
    "inventory_sources",
    "load_inventory_args",
    "run_options",
    "select_hosts",
    "split_tags",
]


def add_selection_args(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """Which tasks run and with which extra variables: shared by ``play`` and ``plan``."""
    run = parser.add_argument_group("run")
    run.add_argument("-t", "--tags", action="append", default=[], metavar="TAGS",
                     help="only tasks with these tags (comma-separated; repeatable)")
    run.add_argument("--skip-tags", action="append", default=[], metavar="TAGS",
                     help="skip tasks with these tags")
    run.add_argument("-e", "--extra-vars", action="append", default=[], metavar="VARS",
                     help="key=value, JSON/YAML text, or @file.yml; they outrank every other variable")
    run.add_argument("-v", "--verbose", action="count", default=0, help="more detail (-vv, -vvv)")
    return run


def split_tags(values: list[str]) -> frozenset[str]:
    return frozenset(tag.strip() for value in values for tag in value.split(",") if tag.strip())


def run_options(args: argparse.Namespace, extra_vars: dict[str, Any], **overrides: Any) -> RunOptions:
    """The engine's options from the parsed command line (``overrides`` win)."""
    from dockyard.engine.run import RunOptions

    values: dict[str, Any] = dict(
        limit=args.limit, tags=split_tags(args.tags), skip_tags=split_tags(args.skip_tags),
        forks=args.forks, extra_vars=extra_vars, connection=connection_options(args),
        verbosity=args.verbose,
    )
    values.update(overrides)
    return RunOptions(**values)


def add_inventory_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("inventory")
    group.add_argument(
        "-i", "--inventory", action="append", metavar="INV",
        help="inventory file, directory or 'host1,host2,' list; repeat to combine "
        "(default: ./inventory, or $DOCKYARD_INVENTORY)",
    )
    group.add_argument("-l", "--limit", metavar="PATTERN",
                       help="further limit the hosts, e.g. 'web:&staging' or '@retry.txt'")


def add_connection_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection")
    group.add_argument("-u", "--user", help="remote user when the inventory sets no ansible_user")
    group.add_argument("--private-key", metavar="FILE",
                       help="SSH key when the inventory sets no ansible_ssh_private_key_file")
    group.add_argument("-k", "--ask-pass", action="store_true", help="prompt for the SSH password")
    group.add_argument("-b", "--become", action="store_true", help="run as another user (sudo)")
    group.add_argument("--become-user", metavar="USER", help="user to become (default: root)")
    group.add_argument("-K", "--ask-become-pass", action="store_true",
                       help="prompt for the sudo password (never shown or logged)")
    group.add_argument(
        "--host-key-checking", choices=HOST_KEY_POLICIES,
        default=os.environ.get("DOCKYARD_HOST_KEY_CHECKING", "strict"),
        help="strict: refuse unknown hosts (default); accept-new: record unknown keys on first "
        "contact; off: no checks (throw-away labs). A changed key is always refused.",
    )
    group.add_argument("--known-hosts", metavar="FILE", type=Path,
                       default=Path(os.environ.get("DOCKYARD_KNOWN_HOSTS", "~/.ssh/known_hosts")),
                       help="known_hosts file to check and record keys in (default: %(default)s)")
    group.add_argument("--ssh-config", metavar="FILE", type=Path, default=Path("~/.ssh/config"),
                       help="OpenSSH client config to read (default: %(default)s; 'none' to skip)")
    group.add_argument("-T", "--timeout", type=float, default=10.0, metavar="SECONDS",
                       help="connect timeout per host (default: %(default)s)")
    group.add_argument("--command-timeout", type=float, metavar="SECONDS",
                       help="give up on a command after this long (default: no limit)")
    group.add_argument("-f", "--forks", type=int, default=DEFAULT_FORKS, metavar="N",
                       help="hosts worked on at once (default: %(default)s)")


def connection_options(args: argparse.Namespace) -> ConnectionOptions:
    password = getpass.getpass("SSH password: ") if args.ask_pass else None
    become_password = getpass.getpass("BECOME password: ") if args.ask_become_pass else None
    ssh_config = None if str(args.ssh_config) == "none" else args.ssh_config.expanduser()
    return ConnectionOptions(
        host_key_checking=args.host_key_checking,
        known_hosts=args.known_hosts.expanduser(),
        ssh_config=ssh_config,
        connect_timeout=args.timeout,
        command_timeout=args.command_timeout,
        user=args.user,
        private_key=args.private_key,
        password=password,
        become=args.become,
        become_user=args.become_user,
        become_password=become_password,
    )


def inventory_sources(args: argparse.Namespace, *, localhost_only: bool = False) -> list[str]:
    """The inventory sources given (-i), else ./inventory or $DOCKYARD_INVENTORY. With
    ``localhost_only`` (playbooks), none is fine: only the implicit localhost exists, as in Ansible."""
    sources = list(args.inventory or [])
    if not sources:
        default = os.environ.get("DOCKYARD_INVENTORY") or "inventory"
        if not Path(default).exists() and localhost_only:
            print("warning: no inventory given; only the implicit localhost is available", file=sys.stderr)
            return []
        if not Path(default).exists():
            raise InventoryError(
                "no inventory given",
                hint="pass -i FILE (INI, YAML or a directory), or set DOCKYARD_INVENTORY",
            )
        sources = [default]
    return sources


def load_inventory_args(args: argparse.Namespace, *, localhost_only: bool = False) -> Inventory:
    from dockyard.inventory.load import load_inventory

    return load_inventory(inventory_sources(args, localhost_only=localhost_only))


def select_hosts(inventory: Inventory, pattern: str, limit: str | None) -> list[Host]:
    """Hosts matching ``pattern``, further limited by ``--limit``; an empty result is an error."""
    hosts = inventory.select(pattern)
    if limit:
        allowed = {host.name for host in inventory.select(limit)}
        hosts = [host for host in hosts if host.name in allowed]
    if not hosts:
        suffix = f" limited by {limit!r}" if limit else ""
        raise InventoryError(
            f"no hosts match {pattern!r}{suffix}",
            hint="run 'dockyard inventory --graph' to see the groups and hosts",
        )
    return hosts
