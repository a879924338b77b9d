"""script: run a script from the controller on the host (sent with the command, not copied).

Arguments (``ansible.builtin.script``)::

    - script: setup.sh --verbose "two words"   # found in files/; the rest are its arguments
      args:
        creates: /etc/app/ready                # skip when this path exists
        removes: null                          # skip unless this path exists
        chdir: /srv/app                        # absolute
        executable: python3                    # instead of the script's #! line
    - script:
        cmd: tune.py 42

The script travels on the step's stdin into a private temp file that is removed when it
ends, and runs with its ``#!`` interpreter (or ``executable``, or ``sh`` when it has no
``#!`` line), so a ``noexec`` /tmp does not matter. The arguments after the script's
name reach the host's shell as written, like Ansible's. The result has ``rc``,
``stdout(_lines)``, ``stderr(_lines)``; a non-zero exit fails the task.
"""

from __future__ import annotations

import io
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Action, HostModule, ModuleContext, Step, q
from dockyard.modules.command import OutputAsIsFailures, Words, guard_probe, output_fields
from dockyard.modules.registry import register

__all__ = ["ScriptArgs", "ScriptModule", "ScriptState", "interpreter", "split_script"]


@dataclass(frozen=True)
class ScriptArgs:
    _raw_params: str | None = arg(None, doc="the script's name (in files/) and its arguments")
    cmd: str | None = arg(None, doc="the same, instead of the free form")
    creates: str | None = arg(None, doc="a path on the host; when it exists, the script is not run")
    removes: str | None = arg(None, doc="a path on the host; unless it exists, the script is not run")
    chdir: str | None = arg(None, doc="absolute directory to run in")
    executable: str | None = arg(None, doc="interpreter to run the script with (instead of its #!)")
    decrypt: bool = arg(True, doc="accepted for compatibility (no vault support)")


@dataclass(frozen=True)
class ScriptState:
    """Current: why the script is skipped (if it is). Desired: the script and how to run it."""

    skip: str | None = None
    check: bool = False
    data: bytes = b""
    runner: tuple[str, ...] = ()
    arguments: str = ""


def split_script(text: str) -> tuple[str, str]:
    """The script's name and the rest of the line exactly as written (its arguments)."""
    stream = io.StringIO(text.strip())
    lexer = shlex.shlex(stream, posix=True)
    lexer.whitespace_split = True
    try:
        name = lexer.get_token()
    except ValueError as exc:
        raise ModuleError(f"cannot split the script line: {exc}", hint="check the quotes") from None
    if not name:
        raise ModuleError("script needs the name of a script", hint="write 'script: NAME ARGS...'")
    return name, stream.read().strip()


def interpreter(data: bytes, executable: str | None) -> tuple[str, ...]:
    """How to run the script: ``executable``, else its ``#!`` line, else ``sh``."""
    if executable:
        return tuple(shlex.split(executable))
    first = data.split(b"\n", 1)[0]
    if first.startswith(b"#!"):
        command, _, argument = first[2:].decode("utf-8", errors="replace").strip().partition(" ")
        return (command, argument.strip()) if argument.strip() else (command,)
    return ("sh",)


def _line(args: ScriptArgs) -> str:
    return str(args._raw_params if args._raw_params is not None else args.cmd or "")


def _run_command(state: ScriptState, chdir: str | None) -> str:
    lines = [
        '__dy_s=$(mktemp "${TMPDIR:-/tmp}/.dockyard-script.XXXXXXXX") || exit 1',
        "trap 'rm -f \"$__dy_s\"' EXIT",
        'cat > "$__dy_s" || exit 1',
        'chmod 700 "$__dy_s"',
    ]
    if chdir:
        lines.append(f"cd -- {q(chdir)} || exit 1")
    runner = " ".join(q(word) for word in state.runner)
    lines.append(f'{runner} "$__dy_s" {state.arguments}'.rstrip())
    return "\n".join(lines)


@register
class ScriptModule(OutputAsIsFailures, HostModule[ScriptArgs, ScriptState]):
    name = "script"
    Args = ScriptArgs
    exclusive = (("_raw_params", "cmd"),)
    one_of = (("_raw_params", "cmd"),)
    predictable = False

    def probe(self, args: ScriptArgs, ctx: ModuleContext) -> str | None:
        if args.chdir and not args.chdir.startswith("/"):
            raise ModuleError(f"chdir {args.chdir} must be an absolute path for a Unix-aware remote node")
        ctx.find_file(split_script(_line(args))[0], "files")
        return guard_probe(Words(), None, args.creates, args.removes, glob=False)

    def parse(self, args: ScriptArgs, output: CommandResult | None, ctx: ModuleContext) -> ScriptState:
        if output is not None and output.rc != 0:
            raise ModuleError(f"cannot check creates/removes: {output.tail()}")
        seen = output.text().split() if output is not None else []
        if args.creates and "creates-found" in seen:
            return ScriptState(f"{args.creates} exists, matching creates option", ctx.check)
        if args.removes and "removes-found" not in seen:
            return ScriptState(f"{args.removes} does not exist, matching removes option", ctx.check)
        return ScriptState(check=ctx.check)

    def desired(self, args: ScriptArgs, ctx: ModuleContext) -> ScriptState:
        name, arguments = split_script(_line(args))
        data = ctx.find_file(name, "files").read_bytes()
        return ScriptState(check=ctx.check, data=data, runner=interpreter(data, args.executable),
                           arguments=arguments)

    def steps(self, current: ScriptState, desired: ScriptState, args: ScriptArgs) -> list[Step]:
        if current.skip:
            return []
        name = split_script(_line(args))[0]
        return [Step(Action.RUN, f"run script {name}", _run_command(desired, args.chdir), stdin=desired.data)]

    def result(self, args: ScriptArgs, current: ScriptState, desired: ScriptState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        if current.skip:
            return {"skipped": True, "msg": current.skip}
        if not ran:
            reason = "" if args.creates or args.removes else "Check mode is not supported for this task."
            return {"msg": reason} if reason else {}
        return output_fields(ran[-1])
