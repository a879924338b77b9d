"""A task's loop: the items of ``loop`` / ``with_*``, and the variables of each iteration.

The items are what ansible-core's lookups give for the same words::

    loop: [a, b]                       the list as it is
    with_items: [[a, b], c]            flattened one level: a, b, c
    with_list: [[a, b], c]             as it is: [a, b], c
    with_dict: {x: 1}                  {key: x, value: 1}
    with_indexed_items: [a, b]         [0, a], [1, b] (flattened one level first)
    with_sequence: start=1 end=3       "1", "2", "3" (also count=, stride=, format=, "2-8/2:n%d")
    with_fileglob: ["conf/*.ini"]      controller files, looked up like copy's src

Each iteration sees ``item`` (or ``loop_control.loop_var``), ``ansible_loop_var``,
``index_var`` with ``ansible_index_var``, and with ``extended: true`` the
``ansible_loop`` mapping (``index``, ``index0``, ``revindex``, ``first``, ``last``,
``length``, ``previtem``, ``nextitem``, ``allitems``).
"""

from __future__ import annotations

import glob
import os
import re
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dockyard.errors import PlaybookError
from dockyard.playbook.model import LoopControl, Task, Template
from dockyard.values import as_bool

__all__ = ["iteration_vars", "loop_items", "sequence"]

_SHORTCUT = re.compile(r"^(?:(0?x?[0-9a-f]+)-)?(0?x?[0-9a-f]+)(?:/(0?x?[0-9a-f]+))?(?::(.+))?$", re.I)


def _flatten_once(items: Sequence[Any]) -> list[Any]:
    flat: list[Any] = []
    for item in items:
        flat.extend(item if isinstance(item, list | tuple) else [item])
    return flat


def loop_items(task: Task, templar: Any) -> list[Any]:
    """The items ``task`` loops over, as ansible-core's loop or ``with_*`` lookup gives them."""
    items = templar.template(task.loop, span=task.span)
    kind = task.loop_kind or "loop"
    if kind == "with_dict":
        if not isinstance(items, Mapping):
            raise PlaybookError("with_dict needs a mapping", span=task.span)
        return [{"key": key, "value": value} for key, value in items.items()]
    if isinstance(items, str) and kind != "loop":
        items = [items]
    if not isinstance(items, list | tuple):
        raise PlaybookError(f"{kind} needs a list, got {type(items).__name__}", span=task.span,
                            hint="use a list, or a filter such as dict2items to make one")
    if kind == "with_items":
        return _flatten_once(items)
    if kind == "with_indexed_items":
        return [[index, item] for index, item in enumerate(_flatten_once(items))]
    if kind == "with_sequence":
        return [value for term in items for value in sequence(str(term), task)]
    if kind == "with_fileglob":
        return [found for term in items for found in _fileglob(str(term), task)]
    return list(items)


def sequence(term: str, task: Task | None = None) -> list[str]:
    """ansible-core's ``sequence`` lookup: ``start=1 end=5 stride=2 format=x%02d`` or ``1-5/2:x%02d``."""
    span = task.span if task is not None else None
    start, end, stride, count, fmt = 1, None, 1, None, "%d"
    try:
        if "=" in term:
            for word in shlex.split(term):
                key, _, value = word.partition("=")
                if key == "format":
                    fmt = value
                elif key in ("start", "end", "stride", "count"):
                    number = int(value)
                    start, end, stride, count = (
                        number if key == "start" else start, number if key == "end" else end,
                        number if key == "stride" else stride, number if key == "count" else count)
                else:
                    raise ValueError(f"unknown argument {key!r}")
        else:
            match = _SHORTCUT.match(term.strip())
            if match is None:
                raise ValueError(f"can't parse {term!r}")
            first, last, step, shown = match.groups()
            start = int(first) if first else 1
            end, stride, fmt = int(last), int(step) if step else 1, shown or "%d"
    except ValueError as error:
        raise PlaybookError(f"with_sequence: {error}", span=span,
                            hint="write start=N end=N [stride=N] [format=F], or count=N") from None
    return _numbers(start, end, stride, count, fmt, span)


def _numbers(start: int, end: int | None, stride: int, count: int | None, fmt: str, span: Any) -> list[str]:
    if count is not None:
        if end is not None:
            raise PlaybookError("with_sequence: can't use both count and end", span=span)
        if count == 0:
            return []
        end = start + count * stride - 1  # as ansible-core computes it, also for a negative stride
    if end is None:
        raise PlaybookError("with_sequence: must specify count or end", span=span)
    if stride > 0 and end < start:
        raise PlaybookError("with_sequence: to count backwards make stride negative", span=span)
    if stride < 0 and end > start:
        raise PlaybookError("with_sequence: to count forward don't make stride negative", span=span)
    if stride == 0:
        return []
    if fmt.count("%") != 1:
        raise PlaybookError(f"with_sequence: bad format {fmt!r}", span=span, hint="use one %, e.g. format=web%02d")
    stop = end + 1 if stride > 0 else end - 1
    try:
        return [fmt % number for number in range(start, stop, stride)]
    except (TypeError, ValueError) as error:
        raise PlaybookError(f"with_sequence: bad format {fmt!r}: {error}", span=span) from None


def _fileglob(term: str, task: Task) -> list[str]:
    """Files matching ``term``, looked up in files/ of the task's search paths (like copy src)."""
    folder, pattern = os.path.split(term)
    for base in task.search_paths:
        for candidate in (Path(base) / "files" / folder, Path(base) / folder):
            if candidate.is_dir():
                found = glob.glob(str(candidate / pattern))
                return [path for path in found if os.path.isfile(path)]
    return []


def _flag(templar: Any, value: bool | Template) -> bool:
    if not isinstance(value, Template):
        return bool(value)
    try:
        return as_bool(templar.template(value.text, span=value.span))
    except ValueError as error:
        raise PlaybookError(f"loop_control: {error}", span=value.span) from None


def iteration_vars(control: LoopControl, templar: Any, items: Sequence[Any], index: int) -> dict[str, Any]:
    """The variables of iteration ``index``: the item, the index, and ``ansible_loop``."""
    found: dict[str, Any] = {control.loop_var: items[index], "ansible_loop_var": control.loop_var}
    if control.index_var:
        found[control.index_var] = index
        found["ansible_index_var"] = control.index_var
    if _flag(templar, control.extended):
        length = len(items)
        loop: dict[str, Any] = {
            "index": index + 1, "index0": index, "first": index == 0, "last": index + 1 == length,
            "length": length, "revindex": length - index, "revindex0": length - index - 1,
        }
        if _flag(templar, control.extended_allitems):
            loop["allitems"] = list(items)
        if index + 1 < length:
            loop["nextitem"] = items[index + 1]
        if index > 0:
            loop["previtem"] = items[index - 1]
        found["ansible_loop"] = loop
    return found
