"""Ansible's Jinja tests (``x is defined``, ``result is changed``, ``v is version('2.0', '>=')``...).

Jinja's own tests (``string``, ``number``, ``mapping``, ``sequence``, ``boolean``,
``none``, ``in``, ``eq``...) stay as they are. These follow ansible-core's
``plugins/test/core.py``, ``mathstuff.py`` and ``files.py``:

* ``defined`` / ``undefined``: an :class:`~dockyard.playbook.unknown.Unknown` is defined.
* ``failed``, ``succeeded``, ``changed``, ``skipped``, ``reachable``... take a registered
  result (a mapping; anything else is an error). ``changed`` also looks inside
  ``results`` of a loop.
* ``match`` (from the start), ``search`` (anywhere), ``regex`` (either, ``match_type``).
* ``version(other, operator='eq', strict=False, version_type=None)``: see
  :mod:`dockyard.playbook.versions`.
* ``truthy`` / ``falsy`` (``convert_bool=True`` reads ``"yes"``, ``"off"``...),
  ``contains``, ``subset``, ``superset``, ``any``, ``all``, ``nan``.
* ``file``, ``directory``, ``link``, ``exists``, ``abs``, ``same_file``, ``mount``: paths
  on the controller, not on the host.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping, MutableSequence
from typing import Any

from dockyard.errors import PlaybookError
from dockyard.playbook.lazy import DockyardUndefined
from dockyard.playbook.versions import compare_versions

__all__ = ["TESTS", "TESTS_OF_UNDEFINED"]

_BOOLEAN_TRUE = frozenset({"y", "yes", "on", "1", "true", "t", 1})  # also 1.0 and True
_BOOLEAN_FALSE = frozenset({"n", "no", "off", "0", "false", "f", 0})  # also 0.0 and False


def defined(value: Any) -> bool:
    return not isinstance(value, DockyardUndefined)


def undefined(value: Any) -> bool:
    return isinstance(value, DockyardUndefined)


def _result(value: Any, test: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PlaybookError(f"the '{test}' test expects a registered result (a mapping), "
                            f"got {type(value).__name__}", hint="register: the task's result and test that")
    return value


def failed(result: Any) -> bool:
    return bool(_result(result, "failed").get("failed"))


def success(result: Any) -> bool:
    return not bool(_result(result, "succeeded").get("failed"))


def changed(result: Any) -> bool:
    result = _result(result, "changed")
    if "changed" in result:
        return bool(result["changed"])
    results = result.get("results")
    if isinstance(results, MutableSequence) and results and isinstance(results[0], Mapping):
        return any(bool(item.get("changed")) for item in results)
    return False


def skipped(result: Any) -> bool:
    return bool(_result(result, "skipped").get("skipped"))


def unreachable(result: Any) -> bool:
    return bool(_result(result, "unreachable").get("unreachable"))


def reachable(result: Any) -> bool:
    return not unreachable(result)


def regex(value: Any = "", pattern: str = "", ignorecase: bool = False, multiline: bool = False,
          match_type: str = "search") -> bool:
    flags = (re.I if ignorecase else 0) | (re.M if multiline else 0)
    compiled = re.compile(pattern, flags)
    method = getattr(compiled, match_type, compiled.search)
    return bool(method(value if isinstance(value, str) else str(value)))


def match(value: Any, pattern: str = "", ignorecase: bool = False, multiline: bool = False) -> bool:
    return regex(value, pattern, ignorecase, multiline, "match")


def search(value: Any, pattern: str = "", ignorecase: bool = False, multiline: bool = False) -> bool:
    return regex(value, pattern, ignorecase, multiline, "search")


def version(value: Any, other: Any, operator: str = "eq", strict: bool | None = None,
            version_type: str | None = None) -> bool:
    """``value`` compared with ``other`` as versions (loose unless ``strict``/``version_type``)."""
    if strict is not None and version_type is not None:
        raise PlaybookError("version test: give either 'strict' or 'version_type', not both")
    if not value:
        raise PlaybookError("version test: the version to compare is empty")
    if not other:
        raise PlaybookError("version test: the version to compare against is empty")
    kind = "strict" if strict else (version_type or "loose")
    try:
        return compare_versions(str(value), str(other), operator, kind=kind)
    except ValueError as exc:
        raise PlaybookError(f"version comparison failed: {exc}") from None


def _boolean(value: Any) -> Any:
    key = value.lower() if isinstance(value, str) else value
    try:
        if key in _BOOLEAN_TRUE:
            return True
        if key in _BOOLEAN_FALSE:
            return False
    except TypeError:
        pass
    return value


def truthy(value: Any, convert_bool: bool = False) -> bool:
    return bool(_boolean(value) if convert_bool else value)


def falsy(value: Any, convert_bool: bool = False) -> bool:
    return not truthy(value, convert_bool)


def contains(seq: Any, value: Any) -> bool:
    return value in seq


def subset(a: Any, b: Any) -> bool:
    return set(a) <= set(b)


def superset(a: Any, b: Any) -> bool:
    return set(a) >= set(b)


def nan(value: Any) -> bool:
    try:
        return math.isnan(value)
    except TypeError:
        return False


def _on_path(function: Callable[[str], bool]) -> Callable[[Any], bool]:
    def test(value: Any) -> bool:
        return function(os.fspath(str(value)))

    return test


TESTS: dict[str, Callable[..., Any]] = {
    "defined": defined, "undefined": undefined,
    "failed": failed, "failure": failed, "succeeded": success, "success": success,
    "successful": success, "changed": changed, "change": changed, "skipped": skipped,
    "skip": skipped, "reachable": reachable, "unreachable": unreachable,
    "match": match, "search": search, "regex": regex,
    "version": version, "version_compare": version,
    "truthy": truthy, "falsy": falsy, "contains": contains, "any": any, "all": all,
    "subset": subset, "issubset": subset, "superset": superset, "issuperset": superset,
    "nan": nan, "isnan": nan,
    "file": _on_path(os.path.isfile), "is_file": _on_path(os.path.isfile),
    "directory": _on_path(os.path.isdir), "is_dir": _on_path(os.path.isdir),
    "link": _on_path(os.path.islink), "is_link": _on_path(os.path.islink),
    "exists": _on_path(os.path.exists), "link_exists": _on_path(os.path.lexists),
    "abs": _on_path(os.path.isabs), "is_abs": _on_path(os.path.isabs),
    "mount": _on_path(os.path.ismount), "is_mount": _on_path(os.path.ismount),
    "same_file": lambda a, b: os.path.samefile(str(a), str(b)),
    "is_same_file": lambda a, b: os.path.samefile(str(a), str(b)),
}
"""Ansible's tests, by name (Jinja's built-in tests are added by the environment)."""

TESTS_OF_UNDEFINED = frozenset({"defined", "undefined"})
"""Tests that look at an undefined or unknown value instead of refusing it."""
