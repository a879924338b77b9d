"""command: run a program on the host, without a shell (``shell`` is the one with a shell).

Arguments (``ansible.builtin.command``)::

    - command: /usr/bin/make install        # free form (split like a shell would, no shell)
      args:
        chdir: /srv/app                      # run there
        creates: /usr/local/bin/app          # skip when this glob matches
        removes: /tmp/build                  # skip unless this glob matches
        stdin: "yes"                         # sent to the command (plus a newline)
        stdin_add_newline: true
        strip_empty_ends: true               # drop trailing newlines of stdout/stderr
        expand_argument_vars: true           # $VAR and ~ expand in arguments, as in Ansible
    - command:
        argv: [/usr/bin/printf, "%s\\n", "two words"]   # or cmd: "..."

The result has Ansible's fields: ``rc``, ``stdout``, ``stdout_lines``, ``stderr``,
``stderr_lines``, ``cmd``, ``start``, ``end``, ``delta``, ``msg``; a non-zero exit
fails the task with the last lines of stderr. A command always reports ``changed``
when it runs; ``creates``/``removes`` are read by the probe, so a skipped command
costs one round trip and check mode knows whether it would run. What it would do is
unknowable before it runs (``predictable = False``).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Action, HostModule, ModuleContext, Step, q
from dockyard.modules.registry import register

__all__ = ["CommandArgs", "CommandModule", "CommandState", "OutputAsIsFailures", "Words",
           "failure_message", "output_fields", "run_result"]

#: The wrapper prints start and end times as the last line of stderr, after this mark.
TIME_MARK = "\x1edockyard-time "
_DATE = "date '+%Y-%m-%d %H:%M:%S.%N'"
_VAR = re.compile(r"\$(\w+|\{[^}/]*\})", re.ASCII)  # what os.path.expandvars expands
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_USER = re.compile(r"[A-Za-z0-9._-]*")


@dataclass(frozen=True)
class CommandArgs:
    _raw_params: str | None = arg(None, doc="the command line (free form), split without a shell")
    cmd: str | None = arg(None, doc="the command line, instead of the free form")
    argv: list[str] | None = arg(None, doc="the command as a list: no splitting at all")
    chdir: str | None = arg(None, doc="directory to run in")
    executable: str | None = arg(None, doc="ignored by command, as in Ansible (see shell)")
    expand_argument_vars: bool = arg(True, doc="expand $VAR and ~ in the arguments")
    creates: str | None = arg(None, doc="a glob; when it matches, the command is not run")
    removes: str | None = arg(None, doc="a glob; unless it matches, the command is not run")
    stdin: str | None = arg(None, doc="text sent to the command's stdin")
    stdin_add_newline: bool = arg(True, doc="add a newline to stdin")
    strip_empty_ends: bool = arg(True, doc="remove trailing newlines from stdout and stderr")


@dataclass(frozen=True)
class CommandState:
    """Whether the command runs: ``skip`` is Ansible's reason when creates/removes say no."""

    skip: str | None = None
    skip_stdout: str = ""
    check: bool = False


class Words:
    """Shell words with Python's ``expandvars``/``expanduser`` semantics, built for sh.

    ``$NAME``/``${NAME}`` become the variable's value when it is set and stay literal
    when it is not (as in Python); ``~`` and ``~user`` at the start expand. Nothing
    else does: no globbing, no splitting, no command substitution.
    """

    def __init__(self) -> None:
        self.preamble: list[str] = []

    def word(self, text: str, *, expand: bool = True) -> str:
        if not expand:
            return q(text)
        tilde = ""
        if text.startswith("~"):
            user, slash, rest = text[1:].partition("/")
            if _USER.fullmatch(user):
                tilde, text = "~" + user, slash + rest
        parts = [tilde] if tilde else []
        position = 0
        for found in _VAR.finditer(text):
            name = found.group(1).removeprefix("{").removesuffix("}")
            if not _NAME.fullmatch(name):
                continue
            if found.start() > position:
                parts.append(q(text[position:found.start()]))
            variable = f"__dy_v{len(self.preamble)}"
            self.preamble.append(f'if [ -n "${{{name}+x}}" ]; then {variable}=${name}; '
                                 f"else {variable}={q(found.group(0))}; fi")
            parts.append(f'"${variable}"')
            position = found.end()
        if position < len(text) or not parts:
            parts.append(q(text[position:]))
        return "".join(parts)


def split_command(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise ModuleError(f"cannot split the command line: {exc}", hint="check the quotes") from None


def guard_probe(words: Words, chdir: str | None, creates: str | None, removes: str | None, *,
                glob: bool = True) -> str | None:
    """Read-only shell text that tells whether creates/removes match (in a subshell)."""
    if creates is None and removes is None:
        return None
    lines = []
    if chdir:
        lines.append(f"cd -- {words.word(chdir)} 2>/dev/null || {{ echo chdir-missing; exit 0; }}")
    lines.append("IFS=''")
    for name, pattern in (("creates", creates), ("removes", removes)):
        if pattern is None:
            continue
        lines.append(f"__dy_p={words.word(pattern)}")
        found = f'if [ -e "$__dy_f" ] || [ -L "$__dy_f" ]; then echo {name}-found; break; fi'
        loop = "$__dy_p" if glob else '"$__dy_p"'
        lines.append(f"for __dy_f in {loop}; do {found}; done")
    return "(\n" + "\n".join([*words.preamble, *lines]) + "\n)"


def guard_state(output: CommandResult | None, creates: str | None, removes: str | None,
                check: bool) -> CommandState:
    """Ansible's skip reason (``Did not run command since '...' exists``) from the probe."""
    if output is None:
        return CommandState(check=check)
    if output.rc != 0:
        raise ModuleError(f"cannot check creates/removes: {output.tail()}")
    seen = output.text().split()
    verb = "Would" if check else "Did"
    if creates is not None and "creates-found" in seen:
        return CommandState(f"{verb} not run command since '{creates}' exists",
                            f"skipped, since {creates} exists", check)
    if removes is not None and "removes-found" not in seen and "chdir-missing" not in seen:
        return CommandState(f"{verb} not run command since '{removes}' does not exist",
                            f"skipped, since {removes} does not exist", check)
    return CommandState(check=check)


def timed(words: Words, line: str, chdir: str | None) -> str:
    """The step's shell text: cd, the command, and its start/end times after the mark on stderr."""
    change_directory = []
    if chdir:
        message = q(f"Unable to change directory before execution: {chdir}")
        change_directory.append(f"cd -- {words.word(chdir)} || {{ echo {message} >&2; exit 1; }}")
    lines = [f"__dy_t0=$({_DATE})", *words.preamble, *change_directory, line, "__dy_rc=$?",
              f"printf '\\n\\036dockyard-time %s|%s\\n' \"$__dy_t0\" \"$({_DATE})\" >&2",
              'exit "$__dy_rc"']
    return "\n".join(lines)


def _moment(text: str) -> datetime | None:
    whole, _, fraction = text.partition(".")
    try:
        moment = datetime.strptime(whole, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    digits = (fraction if fraction.isdigit() else "0")[:6].ljust(6, "0")
    return moment.replace(microsecond=int(digits))


def run_result(outcome: CommandResult, *, strip: bool) -> dict[str, Any]:
    """rc, stdout(_lines), stderr(_lines), start, end, delta of a timed step."""
    stderr = outcome.error_text()
    start = end = None
    cut = stderr.rfind("\n" + TIME_MARK)
    if cut != -1:
        start, _, end = stderr[cut + 1 + len(TIME_MARK):].strip().partition("|")
        stderr = stderr[:cut]
    stdout = outcome.text()
    if strip:
        stdout, stderr = stdout.rstrip("\r\n"), stderr.rstrip("\r\n")
    began, ended = _moment(start or ""), _moment(end or "")
    return {
        "rc": outcome.rc, "stdout": stdout, "stderr": stderr,
        "stdout_lines": stdout.splitlines(), "stderr_lines": stderr.splitlines(),
        "start": str(began) if began else None, "end": str(ended) if ended else None,
        "delta": str(ended - began) if began and ended else None,
    }


def output_fields(outcome: CommandResult) -> dict[str, Any]:
    """rc, stdout(_lines), stderr(_lines) as they came (raw and script do not strip)."""
    stdout, stderr = outcome.text(), outcome.error_text()
    return {"rc": outcome.rc, "stdout": stdout, "stderr": stderr,
            "stdout_lines": stdout.splitlines(), "stderr_lines": stderr.splitlines()}


def failure_message(stderr_lines: Sequence[str], stdout_lines: Sequence[str]) -> str:
    """Ansible's ``non-zero return code``, followed by the last lines of stderr (or stdout)."""
    tail = list(stderr_lines[-5:] or stdout_lines[-5:])
    return "non-zero return code" + (": " + "\n".join(tail) if tail else "")


class OutputAsIsFailures:
    """How ``raw`` and ``script`` fail: a non-zero exit code, reported with the output as it
    came (:func:`output_fields`, nothing stripped). Listed before ``HostModule`` in the bases."""

    def check_failure(self, step: Step, result: CommandResult) -> str | None:
        if result.rc == 0:
            return None
        fields = output_fields(result)
        return failure_message(fields["stderr_lines"], fields["stdout_lines"])

    def failure_result(self, args: Any, step: Step, result: CommandResult) -> dict[str, Any]:
        return output_fields(result)


def stdin_bytes(text: str | None, add_newline: bool) -> bytes:
    if text is None:
        return b""
    return (text + "\n" if add_newline else text).encode("utf-8", errors="surrogateescape")


@register
class CommandModule(HostModule[CommandArgs, CommandState]):
    name = "command"
    Args: ClassVar[type[Any]] = CommandArgs
    exclusive: ClassVar[tuple[tuple[str, ...], ...]] = (("_raw_params", "cmd", "argv"),)
    one_of: ClassVar[tuple[tuple[str, ...], ...]] = (("_raw_params", "cmd", "argv"),)
    predictable = False

    def display(self, args: Any) -> Any:
        """``cmd`` in the result: the argument list (a string for shell)."""
        return list(args.argv) if args.argv is not None else split_command(args._raw_params or args.cmd or "")

    def line(self, args: Any, words: Words) -> str:
        """The command as shell text (each argument one quoted word)."""
        return " ".join(words.word(part, expand=args.expand_argument_vars) for part in self.display(args))

    def summary(self, args: Any) -> str:
        """How a plan shows the command."""
        display = self.display(args)
        text = display if isinstance(display, str) else shlex.join(display)
        return "run " + (text if len(text) <= 120 else text[:117] + "...")

    def probe(self, args: Any, ctx: ModuleContext) -> str | None:
        self.display(args)
        return guard_probe(Words(), args.chdir, args.creates, args.removes)

    def parse(self, args: Any, output: CommandResult | None, ctx: ModuleContext) -> CommandState:
        return guard_state(output, args.creates, args.removes, ctx.check)

    def desired(self, args: Any, ctx: ModuleContext) -> CommandState:
        return CommandState(check=ctx.check)

    def steps(self, current: CommandState, desired: CommandState, args: Any) -> list[Step]:
        if current.skip:
            return []
        words = Words()
        line = self.line(args, words)
        return [Step(Action.RUN, self.summary(args), timed(words, line, args.chdir),
                     stdin=stdin_bytes(args.stdin, args.stdin_add_newline))]

    def result(self, args: Any, current: CommandState, desired: CommandState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        result: dict[str, Any] = {"cmd": self.display(args), "msg": "", "rc": None, "stdout": "",
                                  "stderr": "", "stdout_lines": [], "stderr_lines": [],
                                  "start": None, "end": None, "delta": None}
        if current.skip:
            result.update(msg=current.skip, stdout=current.skip_stdout, rc=0,
                          stdout_lines=[current.skip_stdout])
        elif not ran:
            result.update(msg="Command would have run if not in check mode", rc=0)
        else:
            result.update(run_result(ran[-1], strip=args.strip_empty_ends))
        if self.name == "command" and args.executable:
            result["warnings"] = ["the command module ignores 'executable' (as Ansible does); use shell"]
        return result

    def check_failure(self, step: Step, result: CommandResult) -> str | None:
        if result.rc == 0:
            return None
        fields = run_result(result, strip=True)
        return failure_message(fields["stderr_lines"], fields["stdout_lines"])

    def failure_result(self, args: Any, step: Step, result: CommandResult) -> dict[str, Any]:
        return {"cmd": self.display(args), **run_result(result, strip=args.strip_empty_ends)}
