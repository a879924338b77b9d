"""Variables rendered when they are read, and the plain data that leaves a template.

A variable whose value is a template (``url: "http://{{ host }}:{{ port }}"``) is rendered
the first time a template reads it, with the variables of the same :class:`Templar`; a
mapping value becomes a :class:`LazyDict` whose members are rendered one by one, so
``config.db.host`` never touches ``config.web``. Values are rendered once per templar.

Jinja sees the variables through a :class:`VarScope`. Everything a template gives back
goes through :func:`materialize` first: lazy mappings become dicts, iterators and tuples
become lists (as ansible-core 2.19 returns them), and an :class:`Unknown` or undefined
value found anywhere inside raises, because returning it would be *using* it.

An undefined variable is a :class:`DockyardUndefined`: ``x is defined`` is False,
``x | default(1)`` is 1, ``x.y`` is still undefined (Ansible's chaining), and any other
use raises :class:`UndefinedUse`, which the templar turns into a
:class:`~dockyard.errors.PlaybookError` naming the variable or attribute.
A variable whose own template uses an undefined name becomes undefined itself (so
``is defined`` and ``default`` work on it), carrying the error for when it is used.

Filters and tests are wrapped by :func:`plugin`: their arguments are materialized, and an
undefined or unknown argument raises before the function runs (except for the few that
exist to look at them: ``default``, ``mandatory``, ``defined``, ``undefined``).
"""

from __future__ import annotations

import functools
from collections.abc import (
    Callable,
    ItemsView,
    Iterator,
    KeysView,
    Mapping,
    ValuesView,
)
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NoReturn, TypeVar

from jinja2 import StrictUndefined, UndefinedError
from jinja2.utils import missing

from dockyard.errors import PlaybookError
from dockyard.playbook.unknown import Unknown, _member
from dockyard.source import Span

__all__ = [
    "DockyardUndefined",
    "LazyDict",
    "Scope",
    "UndefinedUse",
    "UndefinedVariableError",
    "VarScope",
    "materialize",
    "member_path",
    "plugin",
    "rendering",
]

Resolver = Callable[[Any, str], Any]
F = TypeVar("F", bound=Callable[..., Any])


def member_path(path: str, key: object) -> str:
    """``path.key`` for a name, ``path[key]`` for anything else (as a person would write it)."""
    return _member(path, key)


class UndefinedVariableError(PlaybookError):
    """A template used a variable or attribute that is not defined.

    ``name`` is what was missing; ``via`` lists the variables (outermost first) whose own
    templates led to it, e.g. ``('url', 'base')`` when ``url`` uses ``base`` which uses it.
    """

    def __init__(self, message: str, *, name: str, via: tuple[str, ...] = (),
                 span: Span | None = None, hint: str | None = None) -> None:
        shown = f"{message} (via {' -> '.join(via)})" if via else message
        super().__init__(shown, span=span, hint=hint)
        self.base_message = message
        self.name = name
        self.via = via

    def located(self, span: Span | None) -> UndefinedVariableError:
        """This error, pointing at ``span`` unless it already points somewhere."""
        if self.span is not None or span is None:
            return self
        return UndefinedVariableError(self.base_message, name=self.name, via=self.via, span=span,
                                      hint=self.hint)

    def nested(self, variable: str, span: Span | None) -> UndefinedVariableError:
        """The same error seen from ``variable``, whose template led to it."""
        return UndefinedVariableError(self.base_message, name=self.name, via=(variable, *self.via),
                                      span=self.span or span, hint=self.hint)


class UndefinedUse(UndefinedError):
    """Raised inside Jinja when an undefined value is used; the templar converts it."""

    def __init__(self, undefined: DockyardUndefined) -> None:
        super().__init__(undefined._undefined_message)
        self.undefined = undefined


def _owner(obj: object) -> str:
    if isinstance(obj, LazyDict):
        return f"'{obj._lazy_path}'"
    if isinstance(obj, VarScope):
        return obj._scope_label
    return f"object of type '{type(obj).__name__}'"


class DockyardUndefined(StrictUndefined):
    """An undefined value: only ``is defined``, ``default`` and chaining accept it."""

    __slots__ = ("_dockyard_error",)

    def __init__(self, hint: str | None = None, obj: Any = missing, name: str | None = None,
                 exc: type[UndefinedError] = UndefinedError, *,
                 error: UndefinedVariableError | None = None) -> None:
        super().__init__(hint, obj, name, exc)
        self._dockyard_error = error

    @property
    def _undefined_message(self) -> str:
        if self._dockyard_error is not None:
            return self._dockyard_error.message
        if self._undefined_hint:
            return self._undefined_hint
        if self._undefined_obj is missing:
            return f"'{self._undefined_name}' is undefined"
        if isinstance(self._undefined_name, str):
            return f"{_owner(self._undefined_obj)} has no attribute '{self._undefined_name}'"
        return f"{_owner(self._undefined_obj)} has no element {self._undefined_name!r}"

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise UndefinedUse(self)

    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__":
            raise AttributeError(name)
        return self

    def __getitem__(self, key: Any) -> Any:
        return self

    __iter__ = __str__ = __len__ = __contains__ = _fail_with_undefined_error
    __eq__ = __ne__ = __bool__ = __hash__ = _fail_with_undefined_error
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail_with_undefined_error
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _fail_with_undefined_error
    __mod__ = __rmod__ = __pos__ = __neg__ = __call__ = _fail_with_undefined_error
    __lt__ = __le__ = __gt__ = __ge__ = _fail_with_undefined_error
    __int__ = __float__ = __complex__ = __pow__ = __rpow__ = _fail_with_undefined_error


class Scope(Mapping[str, Any]):
    """A lazy mapping of variables (a templar's, or ``hostvars``): kept lazy when passed to
    filters, rendered in full only when it leaves a template."""

    __slots__ = ()


class LazyDict(Mapping[Any, Any]):
    """A mapping variable whose members are rendered (and cached) when first read."""

    __slots__ = ("_lazy_cache", "_lazy_data", "_lazy_path", "_lazy_resolve")

    def __init__(self, data: Mapping[Any, Any], path: str, resolve: Resolver) -> None:
        self._lazy_data = data
        self._lazy_path = path
        self._lazy_resolve = resolve
        self._lazy_cache: dict[Any, Any] = {}

    def __getitem__(self, key: Any) -> Any:
        cache = self._lazy_cache
        if key in cache:
            return cache[key]
        value = self._lazy_resolve(self._lazy_data[key], member_path(self._lazy_path, key))
        cache[key] = value
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._lazy_data

    def __iter__(self) -> Iterator[Any]:
        return iter(self._lazy_data)

    def __len__(self) -> int:
        return len(self._lazy_data)

    def copy(self) -> dict[Any, Any]:
        """A plain, fully rendered dict (``{% set d2 = d.copy() %}`` works as on a dict)."""
        result: dict[Any, Any] = materialize(self)
        return result

    def __repr__(self) -> str:
        return f"LazyDict({self._lazy_path!r})"


class VarScope(Scope):
    """The variables of one templar, as Jinja looks them up: rendered when first read.

    ``vars`` is the scope itself (Ansible's ``vars['name']``); Jinja's globals (``range``,
    ``dict``, ``namespace``...) come after the variables.
    """

    __slots__ = ("_scope_cache", "_scope_globals", "_scope_label", "_scope_resolve", "_scope_vars")

    def __init__(self, variables: Mapping[str, Any], resolve: Resolver,
                 globals: Mapping[str, Any], label: str = "the variables") -> None:
        self._scope_vars = variables
        self._scope_resolve = resolve
        self._scope_globals = globals
        self._scope_label = label
        self._scope_cache: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        cache = self._scope_cache
        if name in cache:
            return cache[name]
        if name in self._scope_vars:
            value = self._scope_resolve(self._scope_vars[name], name)
            cache[name] = value
            return value
        if name == "vars":
            return self
        return self._scope_globals[name]

    def __contains__(self, name: object) -> bool:
        return name in self._scope_vars or name == "vars" or name in self._scope_globals

    def __iter__(self) -> Iterator[str]:
        return iter(self._scope_vars)

    def __len__(self) -> int:
        return len(self._scope_vars)

    def names(self) -> list[str]:
        """Every variable name (for did-you-mean hints)."""
        return [str(name) for name in self._scope_vars]

    def __repr__(self) -> str:
        return f"VarScope({self._scope_label})"


def materialize(value: Any, *, keep_scopes: bool = False, keep_undefined: bool = False) -> Any:
    """Plain data from whatever a template produced (see the module docs).

    With ``keep_scopes`` (filter arguments), :class:`Scope` mappings such as ``hostvars``
    stay lazy so that ``hostvars[h].x`` in a filter does not render every host. With
    ``keep_undefined`` (the input of ``map``/``select``/``reject``), undefined members
    stay undefined for the filter or test applied to each one (``map('default', x)``).
    """
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, Unknown):
        raise value.error()
    if isinstance(value, DockyardUndefined):
        if keep_undefined:
            return value
        value._fail_with_undefined_error()
    again = functools.partial(materialize, keep_scopes=keep_scopes, keep_undefined=keep_undefined)
    if isinstance(value, Mapping):
        if keep_scopes and isinstance(value, Scope):
            return value
        return {key: again(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset | range | KeysView | ValuesView
                  | ItemsView | Iterator):
        return [again(item) for item in value]
    return value


def _argument(value: Any, accepts_undefined: bool, keep_undefined: bool = False) -> Any:
    if isinstance(value, DockyardUndefined | Unknown):
        if accepts_undefined:
            return value
        return materialize(value)  # raises
    return materialize(value, keep_scopes=True, keep_undefined=keep_undefined)


def plugin(func: F, *, accepts_undefined: bool = False, per_member: bool = False) -> F:
    """``func`` as a filter or test: arguments materialized, undefined/unknown ones refused.

    Jinja's ``pass_context``/``pass_environment`` marks are kept (the wrapper copies
    ``__dict__``), and the argument Jinja passes first for them is left alone.
    ``per_member``: the filter applies something to each member of its input (``map``),
    which then decides about undefined members (as in Ansible).
    """
    skip = 1 if hasattr(func, "jinja_pass_arg") else 0

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        prepared = [*args[:skip], *(_argument(a, accepts_undefined, per_member and index == 0)
                                    for index, a in enumerate(args[skip:]))]
        options = {key: _argument(v, accepts_undefined) for key, v in kwargs.items()}
        return func(*prepared, **options)

    return wrapper  # type: ignore[return-value]


_ACTIVE: ContextVar[tuple[tuple[int, str], ...]] = ContextVar("dockyard_rendering", default=())


@contextmanager
def rendering(owner: object, path: str, span: Span | None) -> Iterator[None]:
    """Mark variable ``path`` of ``owner`` as being rendered; a second entry is a loop."""
    key = (id(owner), path)
    active = _ACTIVE.get()
    if key in active:
        chain = [name for _, name in active[active.index(key):]] + [path]
        raise PlaybookError(
            f"recursive loop detected in template: {' -> '.join(chain)}",
            span=span,
            hint="a variable cannot use itself; to extend a value from a lower layer, "
            "give the new value another name",
        )
    token = _ACTIVE.set((*active, key))
    try:
        yield
    finally:
        _ACTIVE.reset(token)
