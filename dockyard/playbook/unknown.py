"""Two kinds of values the templating layer must treat with care.

**Unsafe** strings are data, never templates. A registered result whose ``stdout``
happens to contain ``{{`` must not be rendered when a later task reads it, and
neither must facts or loop items (Ansible marks the same values "unsafe")::

    state.register("out", result)       # every string inside becomes Unsafe
    untrusted({"a": "{{ x }}"})         # {'a': Unsafe('{{ x }}')}: kept as written

**Unknown** values are known only after apply. In check mode and in ``dockyard plan``
a task whose outcome cannot be predicted (``command``, ``shell``...) registers an
:class:`Unknown` instead of a result. Holding one is fine; *using* it is not::

    out = Unknown("out", task="get version", span=Span("site.yml", 12, 7))
    out["stdout"]                       # Unknown('out.stdout'): still only a promise
    str(out.stdout)                     # raises UnknownValueError:
        # out.stdout is known only after apply (registered by task 'get version' at site.yml:12:7)

Comparing, converting, iterating, hashing or calling an Unknown raises
:class:`UnknownValueError`, so any template or condition that depends on one fails with
a message naming the value and the task that will produce it. The engine catches that
error to show "(known after apply)" in the plan. ``x is defined`` is True for an Unknown.
In templates ``out.stdout`` and ``out['stdout']`` both give the member (the Jinja
environment resolves attributes of an Unknown; in Python use ``out[...]`` or
:meth:`Unknown.member`, as ``out.path`` is this object's own property).
Engine code must test ``isinstance(value, Unknown)`` before ``bool(value)`` or ``==``.
"""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from typing import Any, NoReturn

from dockyard.errors import PlaybookError
from dockyard.source import Span

__all__ = ["Unknown", "UnknownValueError", "Unsafe", "untrusted"]


class Unsafe(str):
    """A string that is data, not a template: never rendered, whatever it contains."""

    __slots__ = ()


def untrusted(value: Any) -> Any:
    """``value`` with every string in it (deeply) turned into :class:`Unsafe`.

    Mappings become dicts and sequences lists; keys, Unknowns and other leaves are kept.
    """
    if isinstance(value, Unsafe) or not isinstance(value, str | Mapping | list | tuple):
        return value
    if isinstance(value, str):
        return Unsafe(value)
    if isinstance(value, Mapping):
        return {key: untrusted(item) for key, item in value.items()}
    return [untrusted(item) for item in value]


class UnknownValueError(PlaybookError):
    """A template used a value that is known only after apply (see :class:`Unknown`)."""

    def __init__(self, unknown: Unknown, *, span: Span | None = None, hint: str | None = None) -> None:
        super().__init__(
            unknown.describe(), span=span,
            hint=hint or "the plan cannot predict this value; it is known once the task has run",
        )
        self.unknown = unknown


def _member(path: str, key: object) -> str:
    if isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key):
        return f"{path}.{key}"
    return f"{path}[{key!r}]"


class Unknown:
    """A value that a task will produce when it runs, unknown before (see the module docs)."""

    __slots__ = ("_path", "_span", "_task")

    def __init__(self, name: str, *, task: str, span: Span | None = None) -> None:
        object.__setattr__(self, "_path", name)
        object.__setattr__(self, "_task", task)
        object.__setattr__(self, "_span", span)

    @property
    def path(self) -> str:
        """The expression this value stands for, such as ``result.stdout``."""
        return str(object.__getattribute__(self, "_path"))

    @property
    def task(self) -> str:
        """The name of the task that will produce the value."""
        return str(object.__getattribute__(self, "_task"))

    @property
    def span(self) -> Span | None:
        """Where that task is written."""
        span: Span | None = object.__getattribute__(self, "_span")
        return span

    def member(self, key: object) -> Unknown:
        """The unknown value ``self.key`` (or ``self[key]``)."""
        return Unknown(_member(self.path, key), task=self.task, span=self.span)

    def describe(self) -> str:
        where = f" at {self.span}" if self.span is not None else ""
        return f"{self.path} is known only after apply (registered by task '{self.task}'{where})"

    def error(self) -> UnknownValueError:
        return UnknownValueError(self)

    def __getitem__(self, key: object) -> Unknown:
        return self.member(key)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("Unknown values are immutable")

    def __repr__(self) -> str:
        return f"Unknown({self.path!r})"

    def __copy__(self) -> Unknown:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Unknown:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.path, self.task, self.span))

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise self.error()

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __hash__ = __bool__ = __str__ = __format__ = __bytes__ = _refuse
    __iter__ = __len__ = __contains__ = __call__ = __reversed__ = _refuse
    __int__ = __float__ = __complex__ = __index__ = __round__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _refuse
    __mod__ = __rmod__ = __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = _refuse
    __and__ = __rand__ = __or__ = __ror__ = __xor__ = __rxor__ = __invert__ = _refuse
    __lshift__ = __rlshift__ = __rshift__ = __rrshift__ = __matmul__ = __rmatmul__ = _refuse


def _rebuild(path: str, task: str, span: Span | None) -> Unknown:
    return Unknown(path, task=task, span=span)
