"""Version numbers compared the way Ansible's ``version`` test compares them.

* ``loose`` (the default): any string; digits compare as numbers, letters as text
  (``'1.10' > '1.9'``, ``'2.0b1' < '2.0'`` is *not* true: ``'b'`` sorts after nothing).
  Comparing a number with a word, as in ``'1.a'`` vs ``'1.1'``, is an error.
* ``strict``: ``N.N[.N][(a|b)N]`` only; a pre-release sorts before its release.
* ``semver`` / ``semantic``: Semantic Versioning 2.0 (``1.2.3-rc.1+build``).

::

    compare_versions("1.10", "1.9", ">")                      # True
    compare_versions("1.0a1", "1.0", "<", kind="strict")       # True
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

__all__ = ["OPERATORS", "VERSION_KINDS", "compare_versions"]

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {}
for _names, _function in ((("==", "=", "eq"), operator.eq), (("<", "lt"), operator.lt),
                          (("<=", "le"), operator.le), ((">", "gt"), operator.gt),
                          ((">=", "ge"), operator.ge), (("!=", "<>", "ne"), operator.ne)):
    for _name in _names:
        OPERATORS[_name] = _function

_LOOSE_PART = re.compile(r"(\d+|[a-z]+|\.)", re.VERBOSE)
_STRICT = re.compile(r"^(\d+)\.(\d+)(\.(\d+))?([ab](\d+))?$", re.ASCII)
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


def loose_key(text: str) -> list[int | str]:
    """distutils' LooseVersion: numbers and words, dots dropped."""
    parts: list[int | str] = []
    for part in _LOOSE_PART.split(text):
        if part and part != ".":
            parts.append(int(part) if part.isdigit() else part)
    return parts


def strict_key(text: str) -> tuple[tuple[int, int, int], tuple[int, str, int]]:
    """distutils' StrictVersion; ValueError when ``text`` is not ``N.N[.N][(a|b)N]``."""
    match = _STRICT.match(text)
    if not match:
        raise ValueError(f"invalid version number '{text}'")
    major, minor, patch, tag, tag_number = match.group(1, 2, 4, 5, 6)
    release = (int(major), int(minor), int(patch or 0))
    # No pre-release sorts after any pre-release: (1, "", 0) > (0, "a"/"b", n).
    return release, ((0, tag[0], int(tag_number)) if tag else (1, "", 0))


class _Identifier:
    """One dot-separated pre-release identifier: numbers before words, numbers by value."""

    def __init__(self, text: str) -> None:
        self.key = (0, int(text), "") if text.isdigit() else (1, 0, text)

    def __lt__(self, other: _Identifier) -> bool:
        return self.key < other.key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Identifier) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)


def semver_key(text: str) -> tuple[tuple[int, int, int], int, list[_Identifier]]:
    """Semantic Versioning 2.0 precedence (build metadata ignored)."""
    match = _SEMVER.match(text)
    if not match:
        raise ValueError(f"invalid semantic version '{text}'")
    release = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
    pre = match.group(4)
    if pre is None:
        return release, 1, []
    return release, 0, [_Identifier(part) for part in pre.split(".")]


VERSION_KINDS: dict[str, Callable[[str], Any]] = {
    "loose": loose_key, "strict": strict_key, "semver": semver_key, "semantic": semver_key,
}


def compare_versions(value: str, version: str, op: str = "eq", *, kind: str = "loose") -> bool:
    """``value OP version``; ValueError for an unknown operator or kind, or a bad version."""
    if op not in OPERATORS:
        raise ValueError(f"unknown operator '{op}' (use one of {', '.join(OPERATORS)})")
    if kind not in VERSION_KINDS:
        raise ValueError(f"unknown version type '{kind}' (use one of {', '.join(VERSION_KINDS)})")
    key = VERSION_KINDS[kind]
    left, right = key(value), key(version)
    try:
        return OPERATORS[op](left, right)
    except TypeError:
        raise ValueError(f"cannot compare '{value}' with '{version}' (a number against a word)") from None
