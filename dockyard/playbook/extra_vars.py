"""Extra variables from the command line (``-e``), read as Ansible reads them.

Each ``-e`` value is, in order given (a later one replaces a whole top-level value):

* ``@FILE``: a YAML or JSON file holding a mapping (relative to ``base_dir``);
* text starting with ``{`` or ``[``: inline YAML/JSON, which must be a mapping;
* ``name=value`` pairs separated by spaces: values are strings (``-e n=1`` gives ``'1'``),
  quotes group words (``-e 'msg="hello world" n=1'``) and ``{{ ... }}`` stays one piece.

Extra variables win over every other layer, and their strings are templates.
Unlike Ansible, a word without ``=`` is an error instead of being ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dockyard.errors import DockyardError, PlaybookError
from dockyard.source import Span, load_yaml, load_yaml_file, span_of

__all__ = ["load_extra_vars"]

_OPEN = ("{{", "{%", "{#")
_CLOSE = ("}}", "%}", "#}")


def load_extra_vars(values: Sequence[str], *, base_dir: Path | None = None) -> dict[str, Any]:
    """Merge the ``-e`` values (see the module docs); errors carry a ``<-e #N>`` span."""
    merged: dict[str, Any] = {}
    for number, value in enumerate(values, start=1):
        merged.update(_one(value, f"<-e #{number}>", base_dir or Path.cwd()))
    return merged


def _one(value: str, where: str, base_dir: Path) -> Mapping[str, Any]:
    text = value.strip()
    if not text:
        return {}
    if text.startswith("@"):
        path = Path(text[1:]).expanduser()
        path = path if path.is_absolute() else base_dir / path
        if not path.is_file():
            raise PlaybookError(f"extra vars file '{text[1:]}' not found", span=Span(where, 1, 2),
                                hint=f"looked for {path}")
        return _mapping(_load(lambda: load_yaml_file(path)), str(path))
    if text[0] in "{[":
        return _mapping(_load(lambda: load_yaml(text, where)), where)
    return _pairs(value, where)


def _load(read: Any) -> Any:
    try:
        return read()
    except PlaybookError:
        raise
    except DockyardError as exc:
        raise PlaybookError(exc.message, span=exc.span, hint=exc.hint) from None


def _mapping(data: Any, where: str) -> Mapping[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise PlaybookError(f"extra vars must be a mapping of names to values, not a {type(data).__name__}",
                            span=span_of(data) or Span(where, 1), hint="write e.g. {\"name\": \"value\"}")
    for key in data:
        if not isinstance(key, str):
            raise PlaybookError(f"extra variable name {key!r} is not a string", span=span_of(data) or Span(where, 1))
    return data


def _pairs(text: str, where: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for token, column in _words(text, where):
        name, equals, raw = token.partition("=")
        span = Span(where, 1, column + 1)
        if not equals:
            raise PlaybookError(f"extra variable '{token}' is not name=value", span=span,
                                hint="write -e name=value, -e '{\"name\": 1}' or -e @file.yml")
        if not name.isidentifier():
            raise PlaybookError(f"'{name}' is not a valid variable name", span=span,
                                hint="use letters, digits and underscores, not starting with a digit")
        result[name] = _unquote(raw)
    return result


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _words(text: str, where: str) -> list[tuple[str, int]]:
    """Split on spaces outside quotes and outside ``{{ }}``/``{% %}``/``{# #}``; keep start columns."""
    words: list[tuple[str, int]] = []
    current: list[str] = []
    start = quote = None
    depth = index = quote_at = 0
    while index < len(text):
        char, pair = text[index], text[index:index + 2]
        step = 2 if (not quote and (pair in _OPEN or (depth and pair in _CLOSE))) else 1
        if quote:
            if char == "\\" and index + 1 < len(text):
                step = 2
            elif char == quote:
                quote = None
        elif step == 2:
            depth += 1 if pair in _OPEN else -1
        elif char in "\"'" and not depth:
            quote, quote_at = char, index
        elif char.isspace() and not depth:
            if current:
                words.append(("".join(current), start or 0))
                current, start = [], None
            index += 1
            continue
        if start is None:
            start = index
        current.append(text[index:index + step])
        index += step
    if quote:
        raise PlaybookError("unbalanced quote in extra vars", span=Span(where, 1, quote_at + 1),
                            hint="close the quote, or escape it with a backslash")
    if current:
        words.append(("".join(current), start or 0))
    return words
