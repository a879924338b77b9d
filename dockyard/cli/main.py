"""The ``dockyard`` command: argument parsing, dispatch, error rendering, exit codes.

Each command lives in its own file under ``dockyard/cli/`` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable
taking the parsed arguments and returning the exit code.

Exit codes (the same for every command):

====  =====================================================
0     success, nothing failed
1     usage or load error (bad inventory, bad arguments)
2     some host failed (``plan --detailed-exitcode``: changes pending)
3     ``apply`` refused: the hosts or the playbook changed since the plan
4     some host was unreachable (and none failed otherwise)
130   interrupted (Ctrl-C)
====  =====================================================
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from dockyard import __version__
from dockyard.errors import DiagnosticsError, DockyardError
from dockyard.source import render_error

__all__ = ["EXIT_ERROR", "EXIT_FAILED", "EXIT_OK", "EXIT_UNREACHABLE", "build_parser", "main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_FAILED = 2
EXIT_UNREACHABLE = 4
EXIT_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]

DESCRIPTION = """\
dockyard takes hosts from an Ansible-style inventory and works on them over plain
SSH: it reads their state, shows what it would change, and changes only that.
Targets need sshd and a POSIX shell, nothing else.
"""

EPILOG = """\
examples:
  dockyard inventory -i inventory/lab.ini --graph     show groups and hosts
  dockyard ping -i inventory/lab.ini                  can every host be reached?
  dockyard facts -i inventory/lab.ini web01           facts of one host, as JSON
  dockyard lab up playbooks/swarm-lab.yml             VMs to a running Swarm in one command
  dockyard plan site.yml -i hosts.ini --out plan.json  what would change; then:
  dockyard apply plan.json                            apply it if no host drifted
  dockyard pull https://git.example.org/ops/site.git  converge this machine from a repository

Run 'dockyard COMMAND --help' for the options of a command.
exit codes: 0 ok, 1 usage or load error, 2 a host failed, 4 a host was unreachable.
"""


def build_parser() -> argparse.ArgumentParser:
    from dockyard.cli import apply, check, facts, image, inventory, lab, modules, plan, play, pull

    parser = argparse.ArgumentParser(
        prog="dockyard",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dockyard {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for module in (inventory, facts, play, plan, apply, pull, check, modules, image, lab):
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
    except SystemExit as stop:  # --help (0), or a usage error: exit 1, as documented (argparse says 2)
        return EXIT_ERROR if stop.code == 2 else int(stop.code or 0)
    if extra:
        # A command taking words after its options (pull URL -o site.yml) gets them back.
        words = getattr(args, "intermixed", None)
        if words and not any(word.startswith("-") for word in extra):
            setattr(args, words, [*getattr(args, words), *extra])
        else:
            command = f"{parser.prog} {args.command}" if getattr(args, "command", None) else parser.prog
            print(f"{command}: error: unrecognized arguments: {' '.join(extra)}\n"
                  f"(see '{command} --help')", file=sys.stderr)
            return EXIT_ERROR
    handler: Handler | None = getattr(args, "func", None)
    if handler is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        return handler(args)
    except DiagnosticsError as errors:
        for error in errors:
            print(render_error(error), file=sys.stderr)
            print(file=sys.stderr)
        print(f"error: {errors.message}; nothing was done", file=sys.stderr)
        return EXIT_ERROR
    except DockyardError as error:
        print(render_error(error), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
