"""``dockyard pull URL``: converge from a git repository (as ``ansible-pull`` does)."""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dockyard.cli.options import add_connection_args, add_inventory_args, add_selection_args

__all__ = ["register"]

EPILOG = """\
The repository is fetched into a checkout of dockyard's own (forced to the fetched commit
each time: local edits there are discarded), then its playbooks run like 'dockyard play'.
Without -i, the only host is this machine (localhost, local connection), as with
ansible-pull; with -i, relative paths are looked up in the checkout first, so a repository
can carry the inventory of the hosts it converges.

Without PLAYBOOK, the first of <fqdn>.yml, <hostname>.yml and local.yml found at the
top of the checkout runs.

examples:
  dockyard pull https://git.example.org/ops/site.git               local.yml on this machine
  dockyard pull -U https://git.example.org/ops/site.git site.yml -i inventory/prod.ini
  dockyard pull git@git.example.org:ops/site.git -C production --only-if-changed
  */15 * * * * dockyard pull URL -o -s 120                           from cron, spread out

--only-if-changed skips the run when the fetched commit was applied successfully by the
last run, with the same playbooks, tags, limit, extra vars and inventory. See docs/pull.md.

exit codes: 0 ok (or nothing new with --only-if-changed), 1 a usage error, the repository
could not be fetched, no playbook found or loaded, or another pull holds the checkout,
2 a host failed, 4 a host was unreachable.
"""

NAMES = ("{fqdn}.yml", "{hostname}.yml", "local.yml")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "pull", help="fetch a git repository and run its playbooks (like ansible-pull)",
        description="Fetch a git repository into a local checkout and run its playbooks.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="dockyard pull [options] URL [PLAYBOOK ...]\n       dockyard pull [options] -U URL [PLAYBOOK ...]",
    )
    parser.add_argument("words", nargs="*", metavar="URL PLAYBOOK",
                        help="the repository (git URL or path), then the playbooks in it")
    source = parser.add_argument_group("repository")
    source.add_argument("-U", "--url", help="the repository, as ansible-pull takes it (then every "
                        "positional word is a playbook)")
    source.add_argument("-C", "--checkout", metavar="REF",
                        help="branch, tag or commit to run (default: the repository's default branch)")
    source.add_argument("-d", "--directory", type=Path, metavar="DIR",
                        help="the checkout (default: /var/lib/dockyard/pull/NAME for root, "
                             "~/.cache/dockyard/pull/NAME for others)")
    source.add_argument("-o", "--only-if-changed", action="store_true",
                        help="run only when the commit differs from the one the last successful run applied")
    source.add_argument("--full", action="store_true", help="fetch the whole history (default: only the commit)")
    source.add_argument("-s", "--sleep", type=int, default=0, metavar="SECONDS",
                        help="first wait a random time up to this long (many hosts on one cron schedule)")
    source.add_argument("--git-timeout", type=float, default=600.0, metavar="SECONDS",
                        help="give up on a git command after this long (default: %(default)g)")
    run = add_selection_args(parser)
    run.add_argument("--check", action="store_true", help="change nothing; report what would change")
    run.add_argument("-D", "--diff", action="store_true", help="show the differences in files and attributes")
    run.add_argument("--output", choices=("console", "json"), default="console",
                     help="console (default) or json: one event per line")
    add_inventory_args(parser)
    add_connection_args(parser)
    parser.set_defaults(func=run_pull, intermixed="words")


def say(message: str) -> None:
    print(f"pull: {message}", file=sys.stderr, flush=True)


def run_pull(args: argparse.Namespace) -> int:
    from dockyard.errors import PullError
    from dockyard.pull import (
        PullLock,
        default_checkout,
        last_run,
        record_run,
        redact,
        repository,
        update_checkout,
    )

    words = list(args.words)
    given = args.url or (words.pop(0) if words else None)
    if not given:
        raise PullError("no repository given", hint="dockyard pull URL [PLAYBOOK ...] (or -U URL)")
    url = repository(given)
    checkout = (args.directory or default_checkout(url)).expanduser().resolve()
    if not checkout.name or checkout == Path.home():
        raise PullError(f"{checkout} cannot be a checkout (it would be emptied of untracked files)",
                        hint="give a directory of its own with -d, e.g. /var/lib/dockyard/pull/site")
    if args.sleep > 0:
        pause = random.uniform(0, args.sleep)
        say(f"waiting {pause:.0f}s first (--sleep {args.sleep})")
        time.sleep(pause)
    with PullLock(checkout):
        say(f"fetching {args.checkout or 'the default branch'} of {redact(url)} into {checkout}")
        commit = update_checkout(url, checkout, args.checkout, full=args.full, timeout=args.git_timeout)
        was = f" (was {commit.before[:12]})" if commit.before and commit.before != commit.sha else ""
        say(f"at {commit.short} {commit.subject!r}{was}")
        if commit.discarded:
            say(f"warning: discarded {commit.discarded} locally changed or untracked file(s) in the checkout")
        playbooks = _playbooks(checkout, words)
        names = [str(p.relative_to(checkout)) for p in playbooks]
        run = _run_digest(args, names)
        last = last_run(checkout)
        if args.only_if_changed and last and last.get("commit") == commit.sha and last.get("exit_code") == 0 \
                and last.get("run") == run:
            say(f"nothing new: {commit.short} was applied successfully at {last.get('finished')}; "
                "not running (--only-if-changed)")
            return 0
        code = _run(args, checkout, playbooks)
        if args.check:  # nothing was applied: a later --only-if-changed must still run
            return code
        record_run(checkout, commit, names, code, datetime.now(UTC).isoformat(timespec="seconds"), run)
        return code


def _run_digest(args: argparse.Namespace, playbooks: list[str]) -> str:
    """How the playbooks run, beyond the commit: a run with other playbooks, tags, limit,
    extra vars or inventory did not apply what this one would (``--only-if-changed``)."""
    how = {"playbooks": playbooks, "tags": args.tags, "skip_tags": args.skip_tags, "limit": args.limit,
           "extra_vars": args.extra_vars, "inventory": args.inventory}
    return hashlib.sha256(json.dumps(how, sort_keys=True).encode()).hexdigest()


def _playbooks(checkout: Path, names: list[str]) -> list[Path]:
    """The playbooks named (relative to the checkout), or the first default one found."""
    from dockyard.errors import PullError

    if names:
        found = []
        for name in names:
            path = (checkout / name).resolve()
            if not path.is_relative_to(checkout.resolve()):
                raise PullError(f"playbook {name!r} is outside the checkout", hint="name a file in the repository")
            if not path.is_file():
                raise PullError(f"no playbook {name!r} in the repository (checkout {checkout})",
                                hint=_listing(checkout))
            found.append(path)
        return found
    fqdn, hostname = socket.getfqdn(), socket.gethostname()
    tried = list(dict.fromkeys(pattern.format(fqdn=fqdn, hostname=hostname) for pattern in NAMES))
    for name in tried:
        if (checkout / name).is_file():
            return [checkout / name]
    raise PullError(f"no playbook named: none of {', '.join(tried)} is in the repository",
                    hint="name the playbook after the URL, e.g. dockyard pull URL site.yml; " + _listing(checkout))


def _listing(checkout: Path) -> str:
    names = sorted(p.name for p in checkout.glob("*.y*ml"))
    return f"it has: {', '.join(names[:12])}" if names else "it has no .yml file at the top"


def _run(args: argparse.Namespace, checkout: Path, playbooks: list[Path]) -> int:
    """The playbooks, run as ``dockyard play`` runs them."""
    from dockyard.cli.play import run_play

    inventory = [_in_checkout(checkout, source) for source in args.inventory or []]
    play_args = argparse.Namespace(**vars(args))
    play_args.playbooks = playbooks
    play_args.inventory = inventory or None
    play_args.start_at_task = None
    play_args.syntax_check = play_args.list_hosts = play_args.list_tasks = False
    play_args.no_retry_file = True  # it would land in the checkout, which is forced clean next time
    return run_play(play_args, default_inventory=None if inventory else _this_machine)


def _this_machine() -> Any:
    """No -i: this machine alone, over the local connection (ansible-pull's default)."""
    from dockyard.inventory.load import load_inventory
    from dockyard.inventory.model import Origin

    inventory = load_inventory(["localhost,"])
    inventory.host("localhost").set_var("ansible_connection", "local",
                                        Origin(None, "dockyard pull without -i: this machine"))
    return inventory


def _in_checkout(checkout: Path, source: str) -> str:
    """An inventory source: a relative path found in the checkout means that file."""
    if "," in source or Path(source).is_absolute():
        return source
    inside = checkout / source
    return str(inside) if inside.exists() else source
