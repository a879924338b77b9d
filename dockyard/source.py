"""Where things came from: spans, a YAML loader that keeps them, and the snippet renderer.

Every mapping, list and string loaded from YAML remembers its ``file:line:col``
(1-based, as editors show it), so that any later error can point at the exact node::

    data = load_yaml_file(Path("site.yml"))
    span_of(data)                 # Span of the whole document's root mapping
    data.key_span("hosts")        # where the key `hosts` was written
    data.value_span("hosts")      # where its value was written

Ints, floats, booleans and None cannot carry attributes, so their spans are kept by
the mapping or list that holds them (``value_span`` / ``item_span``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from dockyard.errors import DockyardError

__all__ = [
    "MarkedDict",
    "MarkedList",
    "MarkedStr",
    "Span",
    "did_you_mean",
    "load_yaml",
    "load_yaml_file",
    "render_error",
    "span_of",
]


@dataclass(frozen=True, slots=True)
class Span:
    """A position in a source file; ``line`` and ``col`` start at 1. ``col`` 0 means unknown."""

    file: str
    line: int
    col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}" if self.col else f"{self.file}:{self.line}"


class MarkedStr(str):
    """A string that remembers where it was written."""

    span: Span | None = None


class MarkedDict(dict[Any, Any]):
    """A mapping that remembers its own span and those of its keys and values."""

    span: Span | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_spans: dict[Any, Span] = {}
        self.value_spans: dict[Any, Span] = {}

    def key_span(self, key: Any) -> Span | None:
        return self.key_spans.get(key, self.span)

    def value_span(self, key: Any) -> Span | None:
        return self.value_spans.get(key, self.key_span(key))


class MarkedList(list[Any]):
    """A list that remembers its own span and those of its items."""

    span: Span | None = None

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_spans: list[Span] = []

    def item_span(self, index: int) -> Span | None:
        if 0 <= index < len(self.item_spans):
            return self.item_spans[index]
        return self.span


def span_of(value: object) -> Span | None:
    """The span of a loaded node, or None when it has none (e.g. a number)."""
    span = getattr(value, "span", None)
    return span if isinstance(span, Span) else None


def _span(node: Node, file: str) -> Span:
    mark = node.start_mark
    return Span(file, mark.line + 1, mark.column + 1)


class _MarkingLoader(yaml.SafeLoader):
    """SafeLoader that builds Marked* containers and refuses duplicate keys."""

    source_name = "<string>"

    def construct_document(self, node: Node) -> Any:
        return self._construct(node)

    def _construct(self, node: Node) -> Any:
        file = self.source_name
        if isinstance(node, MappingNode):
            self.flatten_mapping(node)
            mapping = MarkedDict()
            mapping.span = _span(node, file)
            for key_node, value_node in node.value:
                key = self._construct(key_node)
                if isinstance(key, MarkedDict | MarkedList):
                    raise DockyardError(
                        "a mapping key must be a plain value",
                        span=_span(key_node, file),
                        hint="quote the key, or write it as a string",
                    )
                if key in mapping:
                    first = mapping.key_spans[key]
                    raise DockyardError(
                        f"duplicate key {key!r}",
                        span=_span(key_node, file),
                        hint=f"it is already set at line {first.line}; remove one of them",
                    )
                mapping[key] = self._construct(value_node)
                mapping.key_spans[key] = _span(key_node, file)
                mapping.value_spans[key] = _span(value_node, file)
            return mapping
        if isinstance(node, SequenceNode):
            items = MarkedList()
            items.span = _span(node, file)
            for item in node.value:
                items.append(self._construct(item))
                items.item_spans.append(_span(item, file))
            return items
        if isinstance(node, ScalarNode):
            value = self.construct_object(node, deep=True)
            if isinstance(value, str):
                marked = MarkedStr(value)
                marked.span = _span(node, file)
                return marked
            return value
        return self.construct_object(node, deep=True)  # pragma: no cover


def load_yaml(text: str, file: str = "<string>") -> Any:
    """Parse one YAML document, keeping spans; raise DockyardError with a span on bad input."""
    loader = _MarkingLoader(text)
    loader.source_name = file
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        span = Span(file, mark.line + 1, mark.column + 1) if mark else Span(file, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise DockyardError(
            f"YAML syntax error: {problem}",
            span=span,
            hint=_yaml_hint(problem),
        ) from None
    except yaml.YAMLError as exc:
        raise DockyardError(f"YAML error: {exc}", span=Span(file, 1)) from None
    finally:
        loader.dispose()


def _yaml_hint(problem: str) -> str:
    if "tab" in problem:
        return "YAML indentation uses spaces only; replace the tab characters"
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' must be quoted"
    if "found character" in problem or "could not find expected" in problem:
        return "check quoting and indentation on this line and the one above"
    return "check indentation and quoting near this position"


def load_yaml_file(path: Path) -> Any:
    """Read and parse a YAML (or JSON, which is YAML) file, keeping spans."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DockyardError(
            "file is not valid UTF-8 text", span=Span(str(path), 1), hint="save it as UTF-8"
        ) from None
    except OSError as exc:
        raise DockyardError(f"cannot read {path}: {exc.strerror}") from None
    return load_yaml(text, str(path))


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest of ``choices``, or None when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _source_line(span: Span) -> str | None:
    try:
        with open(span.file, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if number == span.line:
                    return line.rstrip("\n")
    except OSError:
        return None
    return None


def render_error(error: DockyardError, *, prefix: str = "error") -> str:
    """Draw an error the way a person reads it::

        error: unknown argument 'mdoe' (did you mean 'mode'?)
          --> site.yml:14:7
           |
        14 |       mdoe: "0644"
           |       ^
           = hint: did you mean 'mode'?
    """
    who = f"[{error.host}] " if error.host else ""
    lines = [f"{prefix}: {who}{error.message}"]
    span = error.span
    if span is not None:
        lines.append(f"  --> {span}")
        text = _source_line(span)
        if text is not None:
            gutter = " " * len(str(span.line))
            lines.append(f" {gutter} |")
            lines.append(f" {span.line} | {text}")
            if span.col:
                lines.append(f" {gutter} | {' ' * (span.col - 1)}^")
    if error.hint:
        lines.append(f"  = hint: {error.hint}")
    return "\n".join(lines)
