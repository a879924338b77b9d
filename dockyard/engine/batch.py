"""Many read-only probes in one command: the script that frames them, and the split.

Each probe runs in its own subshell (so ``exit`` or ``cd`` in one cannot touch the
others), with its stdin from /dev/null and its own environment. Before and after each
probe a line carrying a random marker goes to stdout and to stderr, and the closing
stdout line carries the probe's exit code::

    printf '\\n%s\\n' 'dy-3f9a 0'; printf '\\n%s\\n' 'dy-3f9a 0' >&2
    ( export LANG='C'; <probe 0> ) </dev/null
    printf '\\n%s %s\\n' 'dy-3f9a 0 rc' "$?"; printf '\\n%s\\n' 'dy-3f9a 0 end' >&2

:func:`split_batch` cuts the output back into one :class:`CommandResult` per probe,
byte for byte what the probe would have printed alone. The marker is random per batch,
so no probe output can forge it; a batch cut short (connection lost, a probe killed the
shell) leaves the missing probes out of the answer and they run again on their own.

A step can lead a batch (``lead_step``): it runs first, in a shell of its own as it would
alone (``/bin/sh -c``, so its text cannot reach into the script around it), and alone reads
the command's stdin (the file contents it writes); the probes after it read the host as the
step left it (``probes.py``, :meth:`ProbingConnection.run_step`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dockyard.connection.base import CommandResult
from dockyard.connection.shell import env_prefix
from dockyard.modules.step import Step

__all__ = ["GuardedStep", "ProbeRequest", "batch_script", "guard_stdin", "new_marker", "split_batch"]


@dataclass(frozen=True)
class ProbeRequest:
    """One probe as a task would send it: the text and its environment (become is per batch)."""

    command: str
    env: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, command: str, env: Mapping[str, str] | None) -> ProbeRequest:
        return cls(command, tuple(sorted((env or {}).items())))

    def env_dict(self) -> dict[str, str] | None:
        return dict(self.env) or None


@dataclass(frozen=True)
class GuardedStep:
    """A next task's step, made from ``seen`` (its probe's output before the step that leads
    the command), to run in the same command only if the probe still reads the same: its
    stdout with the exit code, and its stderr, have the sha256 of ``seen``'s. The expected
    digests go to the script on its stdin (:func:`guard_stdin`), never on its command line.
    A target without ``sha256sum`` never passes the guard; the step then runs in its turn."""

    probe: ProbeRequest
    seen: CommandResult
    step: ProbeRequest
    #: The step as the module made it (what the task reports if it is not made again the same).
    made: Step | None = field(default=None, compare=False)
    #: The task whose step this is (the engine's task object; compared by identity).
    owner: object = field(default=None, compare=False)

    def digests(self) -> tuple[str, str]:
        return (hashlib.sha256(self.seen.stdout + f"rc {self.seen.rc}\n".encode()).hexdigest(),
                hashlib.sha256(self.seen.stderr).hexdigest())

    def guard(self, index: int) -> str:
        """Shell text that is true when ``probe`` still reads as ``seen`` (the digests read
        from stdin into ``__dy_o<index>`` and ``__dy_e<index>``)."""
        probe = f"( {env_prefix(self.probe.env_dict())}{self.probe.command}\n) </dev/null"
        return (f"[ \"$( {{ {probe} 2>/dev/null; printf 'rc %s\\n' \"$?\"; }} | sha256sum)\" = \"$__dy_o{index}  -\" ] && "
                f"[ \"$( {{ {probe} 2>&1 >/dev/null; }} | sha256sum)\" = \"$__dy_e{index}  -\" ]")


def guard_stdin(ahead: Sequence[GuardedStep]) -> bytes:
    """What goes before the lead step's stdin: the digests each guard compares with, a line each."""
    return b"".join(f"{out}\n{err}\n".encode() for out, err in (each.digests() for each in ahead))


def new_marker() -> str:
    return "dy-" + secrets.token_hex(12)


def batch_script(probes: Sequence[ProbeRequest], marker: str, *, lead_step: bool = False,
                 ahead: Sequence[GuardedStep] = ()) -> str:
    """Shell text that runs ``probes`` one after the other, each framed by ``marker``, with
    its stdin from /dev/null; with ``lead_step``, the first is a step (see the module docs).

    ``ahead``: steps of the next tasks, run after the lead step (sections 1, 2, ...; the
    probes follow them) each only if every step before it exited 0 and its probe still
    reads as it did when the step was made (:class:`GuardedStep`); the script's stdin then
    starts with :func:`guard_stdin` of them, and the lead step reads the rest."""
    lines = [f"IFS= read -r __dy_o{index}; IFS= read -r __dy_e{index}" for index in range(1, len(ahead) + 1)]
    sections: list[ProbeRequest | GuardedStep] = [probes[0], *ahead, *probes[1:]] if ahead else list(probes)
    for index, each in enumerate(sections):
        tag = shlex.quote(f"{marker} {index}")
        guarded = isinstance(each, GuardedStep)
        request = each.step if isinstance(each, GuardedStep) else each
        step = guarded or (index == 0 and lead_step)
        command = f"/bin/sh -c {shlex.quote(request.command)}" if step else request.command
        body = env_prefix(request.env_dict()) + command
        stdin = " </dev/null" if not step or guarded else ""
        section = [
            f"printf '\\n%s\\n' {tag}; printf '\\n%s\\n' {tag} >&2",
            f"( {body}\n){stdin}",
            f"__dy_rc=$?; printf '\\n%s %s\\n' {shlex.quote(f'{marker} {index} rc')} \"$__dy_rc\"; "
            f"printf '\\n%s\\n' {shlex.quote(f'{marker} {index} end')} >&2",
        ]
        if isinstance(each, GuardedStep):
            section = [f"if [ \"$__dy_ok\" = 0 ] && {each.guard(index)}; then", *section, "__dy_ok=$__dy_rc",
                       "else __dy_ok=1; fi"]
        elif index == 0 and ahead:
            section.append("__dy_ok=$__dy_rc")
        lines += section
    return "\n".join(lines) + "\n"


def _sections(data: bytes, marker: str, count: int, *, stdout: bool) -> dict[int, tuple[bytes, int]]:
    """Each complete probe section of one stream: its bytes and (stdout) its exit code."""
    found: dict[int, tuple[bytes, int]] = {}
    mark = re.escape(marker.encode())
    closing = rb" (\d+) rc (\d+)\n" if stdout else rb" (\d+) end\n"
    pattern = re.compile(b"\n" + mark + rb" (\d+)\n(.*?)\n" + mark + closing, re.DOTALL)
    for match in pattern.finditer(data):
        index = int(match.group(1))
        if index < count and (not stdout or int(match.group(3)) == index):
            rc = int(match.group(4)) if stdout else 0
            found[index] = (match.group(2), rc)
    return found


def split_batch(result: CommandResult, marker: str, count: int) -> dict[int, CommandResult]:
    """The results of the probes that completed, by their index in the batch."""
    if not marker:
        raise ValueError("a batch needs a marker")
    out = _sections(result.stdout, marker, count, stdout=True)
    err = _sections(result.stderr, marker, count, stdout=False)
    return {index: CommandResult(rc, stdout, err[index][0])
            for index, (stdout, rc) in out.items() if index in err}
