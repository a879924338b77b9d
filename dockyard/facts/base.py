"""The section document that ``gather.sh`` prints, and how to read it.

The facts script runs on the target and interprets nothing: it prints raw
command output and file contents, each under a header line, and Python does
the parsing here on the controller. A document looks like this::

    @@dockyard-facts-1f2e3d4c begin 1
    <blank line>
    @@dockyard-facts-1f2e3d4c uname
    Linux web1 6.1.0-18-amd64 x86_64
    <blank line>
    @@dockyard-facts-1f2e3d4c files
    /etc/os-release:PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
    /proc/meminfo:MemTotal:        4025504 kB
    ...
    @@dockyard-facts-1f2e3d4c end

Every header is ``"\\n" + marker + " " + name + "\\n"``, so splitting on
``"\\n" + marker + " "`` gives back each section's exact bytes. The marker ends in
a random nonce chosen per run, so no file content can forge a header. Anything
before the first marker (a login shell's banner) is ignored. A document without
the ``end`` section was cut short and is rejected.

Sections named ``rc:NAME`` hold the exit code of the command of section
``NAME``. The ``files`` section is one ``grep -H ''`` over many files at once:
each line is ``PATH:LINE``; :meth:`Document.file` puts a file back together.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from dockyard.errors import FactError

__all__ = [
    "FACTS_SHELL",
    "MARKER_PREFIX",
    "Document",
    "Facts",
    "facts_command",
    "facts_script",
    "new_marker",
    "parse_document",
    "split_grep",
]

MARKER_PREFIX = "@@dockyard-facts"

Facts = dict[str, Any]
"""Facts as Ansible's ``setup`` returns them: ``ansible_*`` and ``dockyard_*`` keys."""


@cache
def facts_script() -> str:
    """The text of ``gather.sh``, shipped as package data."""
    return resources.files("dockyard.facts").joinpath("gather.sh").read_text(encoding="utf-8")


def new_marker() -> str:
    """A header marker with a fresh random nonce."""
    return f"{MARKER_PREFIX}-{secrets.token_hex(8)}"


_INTERPRETER = re.compile(r"^[A-Za-z0-9_./+-]+$")
_DISCOVERY = frozenset({"auto", "auto_silent", "auto_legacy", "auto_legacy_silent"})


FACTS_SHELL = "exec /bin/sh -s"
"""The command that runs the script, which arrives on stdin (see :func:`facts_command`)."""


def facts_command(marker: str | None = None, python_interpreter: str | None = None) -> str:
    """The script text to send: the marker (and interpreter), then ``gather.sh`` in braces.

    :func:`~dockyard.facts.gather.gather_facts` feeds it to :data:`FACTS_SHELL` on
    stdin, so that neither ``sudo``'s log, nor ``ps``, nor a login shell's history
    carries the whole script. The braces make the shell read the entire script
    before running any of it, so the script may redirect its own stdin. The text
    works as well as the argument of ``sh -c``.

    ``python_interpreter`` is the host's ``ansible_python_interpreter``: when it names
    a program, ``ansible_python`` describes that one instead of the discovered one.
    """
    lines = [f"M={marker or new_marker()}"]
    if python_interpreter and python_interpreter not in _DISCOVERY:
        if not _INTERPRETER.match(python_interpreter):
            raise FactError(
                f"ansible_python_interpreter {python_interpreter!r} is not a plain path",
                hint="use a path such as /usr/bin/python3, or 'auto'",
            )
        lines.append(f"PY={python_interpreter}")
    return "\n".join([*lines, "{", facts_script(), "}", ""])


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed section document: section name -> raw text, in the order printed."""

    sections: dict[str, str]
    host: str | None = None
    _files: dict[str, str] = field(default_factory=dict, repr=False)

    def __contains__(self, name: object) -> bool:
        return name in self.sections

    def text(self, name: str) -> str | None:
        """The raw text of a section, or None when the script did not print it."""
        return self.sections.get(name)

    def lines(self, name: str) -> list[str]:
        """The non-empty lines of a section (none when it is absent)."""
        return [line for line in (self.sections.get(name) or "").splitlines() if line.strip()]

    def rc(self, name: str) -> int | None:
        """The exit code recorded for the command of section ``name``."""
        raw = (self.sections.get(f"rc:{name}") or "").strip()
        return int(raw) if raw.lstrip("-").isdigit() else None

    def output(self, name: str) -> str | None:
        """A command's stdout if it ran and exited 0, else None."""
        return self.sections.get(name) if self.rc(name) == 0 else None

    def file(self, path: str) -> str | None:
        """A file's content as Ansible's ``get_file_content`` sees it: stripped, None if empty."""
        content = self._files.get(path)
        if content is None:
            return None
        content = content.strip()
        return content or None

    def raw_file(self, path: str) -> str | None:
        """A file's content, unstripped (None when it was absent or empty)."""
        return self._files.get(path)

    def file_lines(self, path: str) -> list[str]:
        """The lines of a file, like Ansible's ``get_file_lines``."""
        content = self.file(path)
        return content.splitlines() if content else []

    def files_named(self, prefix: str) -> Iterator[tuple[str, str]]:
        """(path, raw content) of every dumped file whose path starts with ``prefix``."""
        for path, content in self._files.items():
            if path.startswith(prefix):
                yield path, content

    def exists(self, path: str) -> bool:
        """Whether ``path`` was in the script's list of existing paths."""
        return path in self.lines("exists")

    def error(self, section: str, detail: str) -> FactError:
        """A FactError naming this host and the section that could not be read."""
        return FactError(
            f"cannot read facts section {section!r}: {detail}",
            host=self.host,
            hint="the facts script printed something unexpected; run it by hand with "
            "`sh -x` on the host to see why",
        )


def split_grep(text: str | None) -> dict[str, str]:
    """Undo ``grep -H ''``: ``PATH:LINE`` lines back into whole files."""
    files: dict[str, list[str]] = {}
    for line in (text or "").split("\n"):
        path, sep, rest = line.partition(":")
        if sep and path.startswith("/"):
            files.setdefault(path, []).append(rest)
    return {path: "\n".join(lines) + "\n" for path, lines in files.items()}


def parse_document(document: str, host: str | None = None) -> Document:
    """Split the script's output into sections; raise FactError if it is not one."""
    start = document.find(MARKER_PREFIX)
    if start < 0:
        raise FactError(
            "the facts script printed no section markers",
            host=host,
            hint=f"output began with: {document[:200]!r}",
        )
    marker = document[start:].split(" ", 1)[0].split("\n", 1)[0]
    sections: dict[str, str] = {}
    for chunk in document[start:].split(f"\n{marker} ")[1:]:
        name, _, body = chunk.partition("\n")
        sections[name.strip()] = body
    if "end" not in sections:
        raise FactError(
            "the facts output was cut short (no 'end' section)",
            host=host,
            hint="the connection dropped or the script was killed; the last section "
            f"was {next(reversed(sections), 'none')!r}",
        )
    return Document(sections, host, split_grep(sections.get("files")))
