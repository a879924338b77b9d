"""Filters on lists and mappings, with ansible-core's behaviour (``mathstuff.py``, ``core.py``).

::

    {{ defaults | combine(overrides, recursive=True) }}
    {{ users | map(attribute='groups') | flatten | unique }}
    {{ groups['web'] | map('extract', hostvars, 'ansible_host') | list }}
    {{ ports | dict2items }}  /  {{ pairs | items2dict }}
    {{ a | union(b) }}  {{ a | intersect(b) }}  {{ a | difference(b) }}

``union``, ``intersect``, ``difference`` and ``symmetric_difference`` keep the order of
their input and drop duplicates (ansible-core goes through a ``set``, whose order of
strings changes from one run to the next). ``zip`` and friends return lists of lists.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from typing import Any

from jinja2 import pass_environment
from jinja2.environment import Environment
from jinja2.filters import do_unique

from dockyard.errors import PlaybookError

__all__ = ["DATA_FILTERS", "is_sequence"]


def _fail(message: str, hint: str | None = None) -> PlaybookError:
    return PlaybookError(message, hint=hint)


def is_sequence(value: Any) -> bool:
    """A list-like value that is not a string (Ansible's ``is_sequence``)."""
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def flatten(items: Iterable[Any], levels: int | None = None, skip_nulls: bool = True) -> list[Any]:
    result: list[Any] = []
    for element in items:
        if skip_nulls and element in (None, "None", "null"):
            continue
        if is_sequence(element) and (levels is None or levels >= 1):
            result.extend(flatten(element, None if levels is None else int(levels) - 1, skip_nulls))
        else:
            result.append(element)
    return result


def _merge(low: Mapping[Any, Any], high: Mapping[Any, Any], recursive: bool, list_merge: str) -> dict[Any, Any]:
    result = dict(low)
    for key, new in high.items():
        old = result.get(key)
        if key not in result:
            result[key] = new
        elif isinstance(old, MutableMapping) and isinstance(new, MutableMapping):
            result[key] = _merge(old, new, recursive, list_merge) if recursive else new
        elif isinstance(old, list) and isinstance(new, list):
            result[key] = {
                "replace": new, "keep": old, "append": old + new, "prepend": new + old,
                "append_rp": [x for x in old if x not in new] + new,
                "prepend_rp": new + [x for x in old if x not in new],
            }[list_merge]
        else:
            result[key] = new
    return result


def combine(*terms: Any, recursive: bool = False, list_merge: str = "replace") -> dict[Any, Any]:
    """Merge mappings left to right (later wins); ``recursive`` merges nested mappings."""
    if list_merge not in ("replace", "keep", "append", "prepend", "append_rp", "prepend_rp"):
        raise _fail(f"combine: unknown list_merge {list_merge!r}",
                    hint="use replace, keep, append, prepend, append_rp or prepend_rp")
    dictionaries = flatten(terms, levels=1)
    result: dict[Any, Any] = {}
    for term in dictionaries:
        if not isinstance(term, Mapping):
            raise _fail(f"combine: expected mappings, got {type(term).__name__}")
        result = _merge(result, term, recursive, list_merge)
    return result


def dict2items(value: Any, key_name: str = "key", value_name: str = "value") -> list[dict[str, Any]]:
    if not isinstance(value, Mapping):
        raise _fail(f"dict2items requires a mapping, got {type(value).__name__}")
    return [{key_name: key, value_name: item} for key, item in value.items()]


def items2dict(value: Any, key_name: str = "key", value_name: str = "value") -> dict[Any, Any]:
    if not is_sequence(value):
        raise _fail(f"items2dict requires a list, got {type(value).__name__}")
    try:
        return {item[key_name]: item[value_name] for item in value}
    except (KeyError, TypeError):
        raise _fail(f"items2dict requires a list of mappings with the keys '{key_name}' and "
                    f"'{value_name}'") from None


def subelements(value: Any, path: str | list[Any], skip_missing: bool = False) -> list[list[Any]]:
    elements = list(value.values()) if isinstance(value, Mapping) else list(value)
    keys = path.split(".") if isinstance(path, str) else list(path)
    results: list[list[Any]] = []
    for element in elements:
        found: Any = element
        for key in keys:
            try:
                found = found[key]
            except KeyError:
                if not skip_missing:
                    raise _fail(f"subelements: could not find {key!r} in {found!r}") from None
                found = []
                break
            except TypeError:
                raise _fail(f"subelements: {key!r} should point to a mapping, got {found!r}") from None
        if not isinstance(found, list):
            raise _fail(f"subelements: {path!r} should point to a list, got {found!r}")
        results.extend([element, item] for item in found)
    return results


@pass_environment
def extract(environment: Environment, item: Any, container: Any, morekeys: Any = None) -> Any:
    keys = [item] + (morekeys if isinstance(morekeys, list) else [] if morekeys is None else [morekeys])
    value = container
    for key in keys:
        value = environment.getitem(value, key)
    return value


@pass_environment
def unique(environment: Environment, value: Iterable[Any], case_sensitive: bool | None = None,
           attribute: str | None = None) -> list[Any]:
    return list(do_unique(environment, value, case_sensitive=bool(case_sensitive), attribute=attribute))


def _distinct(items: Iterable[Any]) -> list[Any]:
    result: list[Any] = []
    for item in items:
        if item not in result:
            result.append(item)
    return result


def union(a: Iterable[Any], b: Iterable[Any]) -> list[Any]:
    return _distinct([*a, *b])


def intersect(a: Iterable[Any], b: Iterable[Any]) -> list[Any]:
    other = list(b)
    return _distinct(x for x in a if x in other)


def difference(a: Iterable[Any], b: Iterable[Any]) -> list[Any]:
    other = list(b)
    return _distinct(x for x in a if x not in other)


def symmetric_difference(a: Iterable[Any], b: Iterable[Any]) -> list[Any]:
    left, right = list(a), list(b)
    return _distinct([*(x for x in left if x not in right), *(x for x in right if x not in left)])


DATA_FILTERS: dict[str, Callable[..., Any]] = {
    "flatten": flatten, "combine": combine, "dict2items": dict2items, "items2dict": items2dict,
    "subelements": subelements, "extract": extract, "unique": unique, "union": union,
    "intersect": intersect, "difference": difference, "symmetric_difference": symmetric_difference,
    "zip": lambda *lists: [list(group) for group in zip(*lists, strict=False)],
    "zip_longest": lambda *lists, fillvalue=None: [
        list(group) for group in itertools.zip_longest(*lists, fillvalue=fillvalue)],
    "product": lambda *lists, repeat=1: [list(g) for g in itertools.product(*lists, repeat=repeat)],
    "permutations": lambda items, r=None: [list(g) for g in itertools.permutations(items, r)],
    "combinations": lambda items, r: [list(g) for g in itertools.combinations(items, r)],
}
"""Ansible's filters on lists and mappings, by name."""
