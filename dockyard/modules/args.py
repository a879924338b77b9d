"""Module arguments: declared as a frozen dataclass, validated from YAML with spans.

A module declares its arguments once::

    @dataclass(frozen=True)
    class Args:
        path: str = arg(required=True, aliases=("dest", "name"), doc="file to manage")
        state: str = arg("file", choices=("file", "directory", "absent", "link", "touch"))
        mode: str | None = arg(None, doc="octal mode, e.g. '0644'")

and :func:`validate` turns a task's raw mapping into an ``Args`` value, collecting every
problem (unknown argument with a did-you-mean hint, missing required, bad choice, wrong
type, mutually exclusive) with the span of the offending key or value. The reference
docs are generated from the same declarations.

Values that are still Jinja2 templates when a playbook is loaded (``"{{ x }}"``) cannot
be type-checked yet; :func:`validate` accepts them with ``lenient_templates=True`` and
the engine validates again per host after templating.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, TypeVar, Union, cast

from dockyard.errors import Diagnostics, ModuleError
from dockyard.source import MarkedDict, Span, did_you_mean
from dockyard.values import as_bool

__all__ = ["ArgSpec", "arg", "arg_specs", "is_template", "validate", "validate_module_args"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class ArgSpec:
    """What one argument accepts; read from the dataclass field's metadata."""

    name: str
    kind: Any
    required: bool
    default: Any
    aliases: tuple[str, ...] = ()
    choices: tuple[Any, ...] | None = None
    no_log: bool = False
    doc: str = ""


def arg(
    default: Any = dataclasses.MISSING,
    *,
    required: bool = False,
    aliases: Sequence[str] = (),
    choices: Sequence[Any] | None = None,
    no_log: bool = False,
    doc: str = "",
) -> Any:
    """Declare one module argument (use as the dataclass field's default)."""
    metadata = {
        "aliases": tuple(aliases),
        "choices": None if choices is None else tuple(choices),
        "required": required,
        "no_log": no_log,
        "doc": doc,
    }
    if isinstance(default, list | dict):
        factory = default.copy
        return dataclasses.field(default_factory=factory, metadata=metadata)
    if default is dataclasses.MISSING and not required:
        default = None
    if required:
        return dataclasses.field(default=None, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def arg_specs(args_type: type[Any]) -> tuple[ArgSpec, ...]:
    """The argument declarations of an ``Args`` dataclass, in declaration order.

    Cached per class: reading the type hints is most of the cost of validating a task
    (about 190 us of it; a cached validate takes about 10 us)."""
    return _arg_specs(cast(Hashable, args_type))


@functools.cache
def _arg_specs(args_type: Any) -> tuple[ArgSpec, ...]:
    hints = typing.get_type_hints(args_type)
    specs = []
    for field in dataclasses.fields(args_type):
        meta = field.metadata
        if field.default is not dataclasses.MISSING:
            default = field.default
        elif field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        else:
            default = None
        specs.append(
            ArgSpec(
                name=field.name,
                kind=hints[field.name],
                required=bool(meta.get("required", False)),
                default=default,
                aliases=tuple(meta.get("aliases", ())),
                choices=meta.get("choices"),
                no_log=bool(meta.get("no_log", False)),
                doc=str(meta.get("doc", "")),
            )
        )
    return tuple(specs)


def is_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _base_kinds(kind: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(kind)
    if origin in (Union, types.UnionType):
        return tuple(k for k in typing.get_args(kind) if k is not type(None))
    return (kind,)


def coerce(value: Any, kind: Any) -> Any:
    """Convert a YAML value to ``kind`` the way Ansible does, or raise ValueError."""
    if value is None:
        return None
    errors = []
    for base in _base_kinds(kind):
        try:
            return _coerce_one(value, base)
        except ValueError as exc:
            errors.append(str(exc))
    raise ValueError(errors[0] if errors else f"unexpected value {value!r}")


def _coerce_one(value: Any, kind: Any) -> Any:
    origin = typing.get_origin(kind) or kind
    if kind is Any:
        return value
    if kind is bool:
        if value == "":
            raise ValueError("expected a boolean (true/false), got ''")
        return as_bool(value)
    if kind is int:
        if isinstance(value, bool):
            raise ValueError(f"expected an integer, got {value!r}")
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValueError(f"expected an integer, got {value!r}") from None
    if kind is float:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"expected a number, got {value!r}") from None
    if kind is str:
        if isinstance(value, dict | list):
            raise ValueError(f"expected a string, got a {type(value).__name__}")
        if isinstance(value, bool):
            return "True" if value else "False"
        return str(value)
    if origin is list:
        (item_kind,) = typing.get_args(kind) or (Any,)
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        elif not isinstance(value, list):
            value = [value]
        return [_coerce_one(item, item_kind) for item in value]
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ValueError(f"expected a mapping, got {type(value).__name__}")
        return dict(value)
    raise ValueError(f"unsupported argument type {kind!r}")  # pragma: no cover


def _spans(raw: Mapping[str, Any], fallback: Span | None) -> tuple[Any, Any]:
    if isinstance(raw, MarkedDict):
        return raw.key_span, raw.value_span
    return (lambda _k: fallback), (lambda _k: fallback)


def validate(
    args_type: type[T],
    raw: Mapping[str, Any],
    *,
    module: str,
    span: Span | None = None,
    lenient_templates: bool = False,
    exclusive: Sequence[tuple[str, ...]] = (),
    one_of: Sequence[tuple[str, ...]] = (),
) -> T:
    """Build ``args_type`` from ``raw``; raise every problem at once (DiagnosticsError)."""
    diagnostics = Diagnostics()
    key_span, value_span = _spans(raw, span)
    specs = arg_specs(args_type)
    by_name = {spec.name: spec for spec in specs}
    for declared in specs:
        for alias in declared.aliases:
            by_name.setdefault(alias, declared)
    values: dict[str, Any] = {}
    given: dict[str, str] = {}
    for key, value in raw.items():
        found = by_name.get(str(key))
        if found is None:
            hint = did_you_mean(str(key), by_name) or f"'{module}' accepts: {', '.join(s.name for s in specs)}"
            diagnostics.add(ModuleError(f"unknown argument '{key}' for module '{module}'",
                                        span=key_span(key), hint=hint))
            continue
        spec = found
        if spec.name in given:
            diagnostics.add(ModuleError(f"argument '{spec.name}' given twice (as '{given[spec.name]}' and '{key}')",
                                        span=key_span(key), hint="keep one of them"))
            continue
        given[spec.name] = str(key)
        if lenient_templates and (is_template(value) or _contains_template(value)):
            values[spec.name] = value
            continue
        try:
            converted = coerce(value, spec.kind)
        except ValueError as exc:
            diagnostics.add(ModuleError(f"argument '{key}' of '{module}': {exc}", span=value_span(key)))
            continue
        if spec.choices is not None and converted is not None and converted not in spec.choices:
            choices = ", ".join(str(c) for c in spec.choices)
            hint = did_you_mean(str(converted), [str(c) for c in spec.choices]) or f"choose one of: {choices}"
            diagnostics.add(ModuleError(f"argument '{key}' of '{module}' must be one of: {choices}; got {converted!r}",
                                        span=value_span(key), hint=hint))
            continue
        values[spec.name] = converted
    for spec in specs:
        if spec.required and values.get(spec.name) is None and spec.name not in given:
            names = " / ".join((spec.name, *spec.aliases))
            diagnostics.add(ModuleError(f"module '{module}' needs the argument '{spec.name}'",
                                        span=span, hint=f"add '{names}: ...'"))
    for group in exclusive:
        present = [name for name in group if name in given]
        if len(present) > 1:
            diagnostics.add(ModuleError(
                f"arguments {' and '.join(repr(given[n]) for n in present)} of '{module}' exclude each other",
                span=key_span(given[present[1]]), hint="keep only one of them"))
    for group in one_of:
        if not any(name in given for name in group):
            diagnostics.add(ModuleError(f"module '{module}' needs one of: {', '.join(group)}", span=span))
    diagnostics.raise_if_any()
    return args_type(**values)


def _contains_template(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(_contains_template(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_template(v) for v in value)
    return is_template(value)


def validate_module_args(
    module_cls: Any, raw: Mapping[str, Any], *, span: Span | None = None, lenient_templates: bool = False
) -> Any:
    """Validate ``raw`` for a module class (honours ``any_args`` modules like set_fact)."""
    if getattr(module_cls, "any_args", False):
        return module_cls.Args(dict(raw))
    return validate(module_cls.Args, raw, module=module_cls.name, span=span,
                    lenient_templates=lenient_templates,
                    exclusive=module_cls.exclusive, one_of=module_cls.one_of)
