"""Helpers shared by the system modules (apt, service, user, cron, ...).

**Sectioned probes.** A module often needs several facts about a host at once (a file's
content, a command's output and its exit code). :func:`sections_probe` joins shell
snippets into one read-only script whose output :func:`parse_sections` splits again::

    probe = sections_probe({"passwd": "getent passwd alice", "groups": "id -Gn alice"})
    found = parse_sections(output)        # {"passwd": Section(text, rc), ...}
    found["passwd"].rc                    # 2 when alice does not exist

Each snippet's stdout is framed by marker lines and followed by its exit code, so one
snippet failing never hides the others; stderr is discarded.

:func:`render_sections` is the inverse, so unit tests can describe a host as data.

**Files written whole.** :func:`write_file_step` turns new file content into one atomic
write step (temp file beside the target, then rename), with a unified diff.
:func:`stat_snippet` / :func:`parse_stat` read a path whose name is only known on the
host (a shell variable such as ``$f``) into a :class:`~dockyard.modules.paths.PathState`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.connection.shell import atomic_write_command
from dockyard.errors import ModuleError
from dockyard.modules.base import Action, Diff, Step
from dockyard.modules.paths import PathState

__all__ = [
    "MARK",
    "Section",
    "fact",
    "parse_sections",
    "parse_stat",
    "render_sections",
    "sections_probe",
    "stat_snippet",
    "write_file_step",
]

MARK = "@@dockyard@@"


@dataclass(frozen=True)
class Section:
    """What one snippet of a sectioned probe printed, and its exit code."""

    text: str
    rc: int

    @property
    def ok(self) -> bool:
        return self.rc == 0

    def lines(self) -> list[str]:
        return self.text.splitlines()


def sections_probe(snippets: Mapping[str, str]) -> str:
    """One script running every snippet in order, each framed for :func:`parse_sections`."""
    parts = []
    for name, snippet in snippets.items():
        parts.append(f"printf '%s\\n' '{MARK} {name}'")
        parts.append(f"( {snippet}\n) 2>/dev/null")
        parts.append(f"printf '\\n{MARK} rc %s\\n' \"$?\"")
    return "\n".join(parts)


def parse_sections(output: CommandResult | None, *, what: str = "the host") -> dict[str, Section]:
    """The sections of a :func:`sections_probe` output, by name."""
    if output is None:
        raise ModuleError(f"no probe output from {what}")
    text = output.stdout.decode("utf-8", errors="surrogateescape")
    found: dict[str, Section] = {}
    rest = text
    while True:
        start = rest.find(f"{MARK} ")
        if start < 0:
            break
        header_end = rest.find("\n", start)
        name = rest[start + len(MARK) + 1:header_end]
        end = rest.find(f"\n{MARK} rc ", header_end)
        if header_end < 0 or end < 0:
            raise ModuleError(f"the probe of {what} was cut short: {output.tail()}")
        body = rest[header_end + 1:end]
        rc_end = rest.find("\n", end + 1 + len(MARK) + 4)
        rc_text = rest[end + 1 + len(MARK) + 4:rc_end if rc_end >= 0 else None]
        found[name] = Section(body, int(rc_text.strip() or "0"))
        rest = rest[rc_end + 1:] if rc_end >= 0 else ""
    if not found:
        raise ModuleError(f"could not read the state of {what}: {output.tail() or 'no output'}")
    return found


def fact(facts: Mapping[str, Any], name: str) -> Any:
    """A gathered fact by its short name, however the engine stored it.

    Accepts ``ansible_pkg_mgr``, ``pkg_mgr`` or ``ansible_facts['pkg_mgr']``.
    """
    for key in (f"ansible_{name}", name):
        if key in facts:
            return facts[key]
    nested = facts.get("ansible_facts")
    if isinstance(nested, Mapping):
        return nested.get(name, nested.get(f"ansible_{name}"))
    return None


def write_file_step(
    path: str,
    before: str | None,
    after: str,
    *,
    summary: str | None = None,
    mode: int | None = None,
    owner: str | None = None,
    group: str | None = None,
    sensitive: bool = False,
) -> Step:
    """Replace ``path`` with ``after`` atomically; ``before`` None means the file is new."""
    data = after.encode()
    command = atomic_write_command(path, size=len(data), mode=mode, owner=owner, group=group)
    action = Action.CREATE if before is None else Action.UPDATE
    verb = "create" if before is None else "update"
    return Step(action, summary or f"{verb} {path}", command, stdin=data,
                diff=Diff(before or "", after, f"{path} (before)", f"{path} (after)"),
                sensitive=sensitive)


_STAT_KINDS = {"directory": "directory", "symbolic link": "link"}


def stat_snippet(path: str) -> str:
    """Shell printing ``kind|mode|owner|group|uid|gid|size`` of ``path`` (a shell word), or ``absent``.

    ``path`` is inserted between double quotes, so it may be a variable like ``$f``;
    quote literal paths with :func:`~dockyard.modules.base.q` and pass ``$(printf ...)``
    or a variable instead of raw text.
    """
    return (f"if [ -e \"{path}\" ]; then stat -c '%F|%a|%U|%G|%u|%g|%s' -- \"{path}\"; "
            "else echo absent; fi")


def parse_stat(path: str, section: Section) -> PathState:
    """The PathState printed by :func:`stat_snippet`."""
    line = section.text.strip()
    fields = line.split("|")
    if line == "absent" or len(fields) != 7:
        return PathState(path)
    kind = _STAT_KINDS.get(fields[0], "file" if "file" in fields[0] else fields[0])
    return PathState(path, kind, fields[1].rjust(4, "0"), fields[2], fields[3], int(fields[4]),
                     int(fields[5]), int(fields[6]))


def render_sections(sections: Mapping[str, tuple[str, int]]) -> bytes:
    """What a :func:`sections_probe` prints for these (text, exit code) pairs.

    The inverse of :func:`parse_sections`: unit tests describe a host's state as data
    and feed it to a module's parser exactly as the probe's output would arrive.
    """
    out = []
    for name, (text, rc) in sections.items():
        out.append(f"{MARK} {name}\n{text}\n{MARK} rc {rc}\n")
    return "".join(out).encode()
