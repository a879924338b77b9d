"""`python -m tests.lab`: build the lab image, start hosts that stay up, remove them.

    python -m tests.lab build                               # the image only; prints its tag
    python -m tests.lab up 5 --inventory /tmp/lab.ini       # prints the inventory path
    python -m tests.lab up 3 --name demo --inventory x.ini  # a second, separately named lab
    python -m tests.lab ls                                  # every lab container, any session
    python -m tests.lab down [--name demo]                  # the hosts of that lab's `up`s
    python -m tests.lab down --all                          # every lab container, crashed runs' too

A named lab (default name `default`) keeps its key pair and session id in a workdir,
/tmp/dockyard-lab/NAME unless --workdir says otherwise, so `up` can add hosts to it and
`down` can find them. Hosts started here stay up until `down`: they are never stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.lab import docker as dk
from tests.lab.docker import LabError
from tests.lab.image import LAB_DIR
from tests.lab.lab import Lab


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        dk.require_docker()
        return int(args.run(args))
    except LabError as error:
        print(f"error: {error.message}", file=sys.stderr)
        if error.hint:
            print(f"hint: {error.hint}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--name", default="default", help="which lab (default: default)")
    common.add_argument("--workdir", type=Path, help="key pair and state (default: per name)")
    parser = argparse.ArgumentParser(
        prog="python -m tests.lab", description="The dockyard test lab (docs/lab.md)."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    build = commands.add_parser("build", parents=[common], help="build the image if missing")
    build.set_defaults(run=_build)
    up = commands.add_parser("up", parents=[common], help="start N hosts that keep running")
    up.add_argument("count", type=int, metavar="N")
    up.add_argument("--inventory", type=Path, required=True, metavar="PATH")
    up.add_argument("--user", help="ansible_user in the inventory (default: dockyard)")
    up.set_defaults(run=_up)
    down = commands.add_parser("down", parents=[common], help="remove the hosts of a lab")
    down.add_argument("--all", action="store_true", help="remove every lab container")
    down.set_defaults(run=_down)
    ls = commands.add_parser("ls", help="list the lab containers of every session")
    ls.set_defaults(run=_ls)
    return parser


def _workdir(args: argparse.Namespace) -> Path:
    return Path(args.workdir) if args.workdir else LAB_DIR / str(args.name)


def _build(args: argparse.Namespace) -> int:
    print(Lab(_workdir(args), keep=True).ensure_image())
    return 0


def _up(args: argparse.Namespace) -> int:
    if args.count < 1:
        raise LabError(f"N must be at least 1, not {args.count}")
    workdir = _workdir(args)
    lab = Lab(workdir, keep=True, session=_read_session(workdir))
    lab.adopt([c["id"] for c in dk.find_containers(lab.session)])  # an earlier `up`'s hosts
    (workdir / "session").write_text(lab.session + "\n")
    lab.start(args.count)
    print(lab.write_inventory(args.inventory.resolve(), user=args.user))
    return 0


def _down(args: argparse.Namespace) -> int:
    workdir = _workdir(args)
    session = None if args.all else _read_session(workdir)
    if session is None and not args.all:
        print(f"no lab named {args.name!r} is up; nothing to remove", file=sys.stderr)
        return 0
    containers = dk.find_containers(session)
    dk.remove_containers([c["id"] for c in containers])
    print(f"removed {len(containers)} lab containers", file=sys.stderr)
    (workdir / "session").unlink(missing_ok=True)
    return 0


def _ls(args: argparse.Namespace) -> int:
    for container in sorted(dk.find_containers(), key=lambda c: c["name"]):
        print(f"{container['id']}  {container['name']}")
    return 0


def _read_session(workdir: Path) -> str | None:
    path = workdir / "session"
    return path.read_text().strip() if path.exists() else None


if __name__ == "__main__":
    sys.exit(main())
