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

import re
import secrets
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dockyard.connection.base import CommandResult
from dockyard.connection.shell import env_prefix

__all__ = ["ProbeRequest", "batch_script", "new_marker", "split_batch"]


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


def new_marker() -> str:
    return "dy-" + secrets.token_hex(12)


def batch_script(probes: Sequence[ProbeRequest], marker: str, *, lead_step: bool = False) -> str:
    """Shell text that runs ``probes`` one after the other, each framed by ``marker``, with
    its stdin from /dev/null; with ``lead_step``, the first is a step (see the module docs)."""
    lines = []
    for index, probe in enumerate(probes):
        tag = shlex.quote(f"{marker} {index}")
        step = index == 0 and lead_step
        command = f"/bin/sh -c {shlex.quote(probe.command)}" if step else probe.command
        body = env_prefix(probe.env_dict()) + command
        stdin = "" if step else " </dev/null"
        lines += [
            f"printf '\\n%s\\n' {tag}; printf '\\n%s\\n' {tag} >&2",
            f"( {body}\n){stdin}",
            f"printf '\\n%s %s\\n' {shlex.quote(f'{marker} {index} rc')} \"$?\"; "
            f"printf '\\n%s\\n' {shlex.quote(f'{marker} {index} end')} >&2",
        ]
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
