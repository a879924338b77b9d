"""The filters playbooks use most, with ansible-core's names, arguments and results.

Filters on lists and mappings (``combine``, ``flatten``, ``union``...) are in
:mod:`.data_filters`. Jinja's own filters (``lower``, ``upper``, ``join``, ``replace``, ``trim``, ``first``,
``last``, ``length``, ``sort``, ``map``, ``select``, ``selectattr``, ``reject``, ``list``,
``int``, ``string``, ``abs``, ``min``, ``max``...) stay as they are; this module adds
Ansible's and replaces ``default``/``d`` with Ansible's version. Each filter below
behaves as the function of the same name in ansible-core's ``plugins/filter/core.py``
or ``mathstuff.py``, with two deliberate differences:

* ``union``, ``intersect``, ``difference`` and ``symmetric_difference`` keep the order
  of their input (Ansible goes through a ``set``, whose order varies between runs);
  plans must not change from one run to the next.
* ``password_hash`` computes SHA-512/SHA-256 crypt itself, with crypt(3)'s default of
  5000 rounds (ansible-core with passlib writes ``rounds=656000`` explicitly).

Errors raise :class:`~dockyard.errors.PlaybookError`; the templar adds the location.
"""

from __future__ import annotations

import base64
import datetime
import glob
import hashlib
import json
import math
import ntpath
import os
import re
import shlex
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from dockyard.errors import PlaybookError
from dockyard.playbook.crypt import sha_crypt
from dockyard.playbook.data_filters import DATA_FILTERS, is_sequence
from dockyard.playbook.lazy import DockyardUndefined, materialize

__all__ = ["FILTERS", "GLOBALS"]

_TRUE = frozenset({"yes", "on", "true", "1"})
_FALSE = frozenset({"no", "off", "false", "0"})
_UUID_NAMESPACE = uuid.UUID("361E6D51-FAEC-444A-9079-341386DA8E2E")


def _fail(message: str, hint: str | None = None) -> PlaybookError:
    return PlaybookError(message, hint=hint)


def default(value: Any, default_value: Any = "", boolean: bool = False) -> Any:
    """``value``, or ``default_value`` when it is undefined (or falsy, with ``boolean``)."""
    if not isinstance(boolean, bool):
        raise _fail(f"default(): 'boolean' must be true or false, not {boolean!r}")
    if isinstance(value, DockyardUndefined):
        return default_value
    if boolean and not value:
        return default_value
    return value


def mandatory(value: Any, msg: str | None = None) -> Any:
    """``value``; an undefined value is an error (with ``msg`` when given)."""
    if isinstance(value, DockyardUndefined):
        if msg is not None:
            raise _fail(str(msg))
        name = value._undefined_name
        raise _fail(f"mandatory variable {f'{name!r} ' if name else ''}is not defined")
    return value


def to_bool(value: Any) -> bool:
    """``yes/on/true/1`` are True and ``no/off/false/0`` False, in any case; else ``value == 1``."""
    text = value.lower() if isinstance(value, str) else str(value).lower() if isinstance(value, int) else value
    try:
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return bool(text == 1)
    except TypeError:
        return False


def ternary(value: Any, true_val: Any, false_val: Any, none_val: Any = None) -> Any:
    if value is None and none_val is not None:
        return none_val
    return true_val if value else false_val


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _flags(ignorecase: bool, multiline: bool) -> int:
    return (re.I if ignorecase else 0) | (re.M if multiline else 0)


def regex_replace(value: Any = "", pattern: str = "", replacement: str = "", ignorecase: bool = False,
                  multiline: bool = False, count: int = 0, mandatory_count: int = 0) -> str:
    text = _text(value)
    output, subs = re.compile(pattern, _flags(ignorecase, multiline)).subn(replacement, text, count=count)
    if mandatory_count and mandatory_count != subs:
        raise _fail(f"'{pattern}' should match {mandatory_count} times, but matches {subs} times in '{text}'")
    return output


def regex_findall(value: Any, regex: str, multiline: bool = False, ignorecase: bool = False) -> list[Any]:
    return re.findall(regex, _text(value), _flags(ignorecase, multiline))


def regex_search(value: Any, regex: str, *args: str, ignorecase: bool = False,
                 multiline: bool = False) -> Any:
    """The match, or a list of the groups named by ``'\\\\1'`` / ``'\\\\g<name>'``; None without a match."""
    groups: list[int | str] = []
    for arg in args:
        named = re.match(r"\\g<(\S+)>", arg)
        numbered = re.match(r"\\(\d+)", arg)
        if named:
            groups.append(named.group(1))
        elif numbered:
            groups.append(int(numbered.group(1)))
        else:
            raise _fail(f"regex_search: unknown argument {arg!r}", hint="write groups as '\\\\1' or '\\\\g<name>'")
    match = re.search(regex, _text(value), _flags(ignorecase, multiline))
    if not match:
        return None
    return [match.group(group) for group in groups] if groups else match.group()


def regex_escape(value: Any, re_type: str = "python") -> str:
    text = _text(value)
    if re_type == "python":
        return re.escape(text)
    if re_type == "posix_basic":
        return regex_replace(text, r"([].[^$*\\])", r"\\\1")
    raise _fail(f"regex_escape: unsupported regex type {re_type!r}")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return materialize(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def to_json(value: Any, *args: Any, **kwargs: Any) -> str:
    for ignored in ("vault_to_text", "preprocess_unsafe", "profile"):
        kwargs.pop(ignored, None)
    return json.dumps(value, *args, default=_json_default, **kwargs)


def to_nice_json(value: Any, indent: int = 4, sort_keys: bool = True, **kwargs: Any) -> str:
    kwargs.pop("separators", None)
    return to_json(value, indent=indent, sort_keys=sort_keys, separators=(",", ": "), **kwargs)


def from_json(value: str, **kwargs: Any) -> Any:
    try:
        return json.loads(value, **kwargs)
    except ValueError as exc:
        raise _fail(f"from_json: not valid JSON: {exc}") from None


_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Dumper(_BaseDumper):  # type: ignore[misc]
    """SafeDumper that also writes str/dict/list subclasses (YAML nodes, Unsafe, lazy data)."""


# The C emitter accepts exact str only: YAML nodes (MarkedStr) and Unsafe become plain str.
_Dumper.add_multi_representer(str, lambda dumper, value: dumper.represent_str(str(value)))
_Dumper.add_multi_representer(dict, _BaseDumper.represent_dict)
_Dumper.add_multi_representer(list, _BaseDumper.represent_list)


def to_yaml(value: Any, *args: Any, default_flow_style: bool | None = None, **kwargs: Any) -> str:
    return str(yaml.dump(materialize(value), Dumper=_Dumper, allow_unicode=True,
                         default_flow_style=default_flow_style, **kwargs))


def to_nice_yaml(value: Any, indent: int = 4, *args: Any, default_flow_style: bool = False,
                 **kwargs: Any) -> str:
    return to_yaml(value, indent=indent, default_flow_style=default_flow_style, **kwargs)


def from_yaml(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return yaml.load(value, Loader=_BaseLoader)
    except yaml.YAMLError as exc:
        raise _fail(f"from_yaml: not valid YAML: {exc}") from None


def from_yaml_all(value: Any) -> Any:
    if value is None:
        return []
    if not isinstance(value, str):
        return value
    try:
        return list(yaml.load_all(value, Loader=_BaseLoader))
    except yaml.YAMLError as exc:
        raise _fail(f"from_yaml_all: not valid YAML: {exc}") from None


def b64encode(value: Any, encoding: str = "utf-8", urlsafe: bool = False) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return encode(_text(value).encode(encoding, "surrogateescape")).decode("ascii")


def b64decode(value: Any, encoding: str = "utf-8", urlsafe: bool = False) -> str:
    decode = base64.urlsafe_b64decode if urlsafe else base64.b64decode
    try:
        return decode(_text(value).encode("utf-8")).decode(encoding, "surrogateescape")
    except ValueError as exc:
        raise _fail(f"b64decode: {exc}") from None


def get_hash(value: Any, hashtype: str = "sha1") -> str:
    try:
        digest = hashlib.new(hashtype)
    except ValueError:
        raise _fail(f"hash: unsupported hash type {hashtype!r}",
                    hint="use md5, sha1, sha224, sha256, sha384 or sha512") from None
    digest.update(_text(value).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def password_hash(password: Any, hashtype: str = "sha512", salt: str | None = None,
                  salt_size: int | None = None, rounds: int | None = None, ident: str | None = None) -> str:
    """crypt(3) hash of ``password``: ``sha512`` (``$6$``) or ``sha256`` (``$5$``)."""
    kinds = {"sha512": True, "sha512_crypt": True, "sha256": False, "sha256_crypt": False}
    if hashtype not in kinds:
        raise _fail(f"password_hash: unsupported hash type {hashtype!r}", hint="use 'sha512' or 'sha256'")
    try:
        return sha_crypt(_text(password), salt, rounds=rounds, sha512=kinds[hashtype],
                         salt_size=salt_size or 16)
    except ValueError as exc:
        raise _fail(f"password_hash: {exc}") from None


def quote(value: Any) -> str:
    return shlex.quote("" if value is None else _text(value))


def split(value: Any, sep: str | None = None, maxsplit: int = -1) -> list[str]:
    return _text(value).split(sep, maxsplit)


def type_debug(value: Any) -> str:
    return type(value).__name__


def path_join(paths: Any) -> str:
    if isinstance(paths, str):
        return os.path.join(paths)
    if is_sequence(paths):
        return os.path.join(*map(str, paths))
    raise _fail(f"path_join expects a string or a list, got {type(paths).__name__}")


def _path(function: Callable[[str], Any]) -> Callable[[Any], Any]:
    def apply(value: Any) -> Any:
        return function(_text(value))

    apply.__name__ = getattr(function, "__name__", "path")
    return apply


def to_uuid(value: Any, namespace: str = str(_UUID_NAMESPACE)) -> str:
    return str(uuid.uuid5(uuid.UUID(str(namespace)), _text(value)))


def strftime(string_format: str, second: Any = None, utc: bool = False) -> str:
    seconds = None if second is None else float(second)
    return time.strftime(string_format, (time.gmtime if utc else time.localtime)(seconds))


def to_datetime(value: str, format: str = "%Y-%m-%d %H:%M:%S") -> datetime.datetime:
    return datetime.datetime.strptime(value, format)


def logarithm(x: float, base: float = math.e) -> float:
    return math.log10(x) if base == 10 else math.log(x, base)


def root(x: float, base: float = 2) -> float:
    return math.sqrt(x) if base == 2 else math.pow(x, 1.0 / float(base))


def fileglob(pattern: str) -> list[str]:
    return [path for path in glob.glob(pattern) if os.path.isfile(path)]


def now(utc: bool = False, fmt: str | None = None) -> Any:
    moment = datetime.datetime.now(datetime.UTC) if utc else datetime.datetime.now()
    return moment.strftime(fmt) if fmt else moment


def undef(hint: str | None = None) -> DockyardUndefined:
    return DockyardUndefined(hint=hint)


FILTERS: dict[str, Callable[..., Any]] = {
    "default": default, "d": default, "mandatory": mandatory, "bool": to_bool, "ternary": ternary,
    "regex_replace": regex_replace, "regex_search": regex_search, "regex_findall": regex_findall,
    "regex_escape": regex_escape, "to_json": to_json, "to_nice_json": to_nice_json,
    "from_json": from_json, "to_yaml": to_yaml, "to_nice_yaml": to_nice_yaml, "from_yaml": from_yaml,
    "from_yaml_all": from_yaml_all, "b64encode": b64encode, "b64decode": b64decode,
    "basename": _path(os.path.basename), "dirname": _path(os.path.dirname),
    "expanduser": _path(os.path.expanduser), "expandvars": _path(os.path.expandvars),
    "realpath": _path(os.path.realpath), "relpath": _path(os.path.relpath),
    "normpath": _path(os.path.normpath), "splitext": _path(lambda p: list(os.path.splitext(p))),
    "win_basename": _path(ntpath.basename), "win_dirname": _path(ntpath.dirname),
    "path_join": path_join, "fileglob": fileglob, "quote": quote, "split": split,
    "hash": get_hash, "md5": lambda v: get_hash(v, "md5"), "sha1": lambda v: get_hash(v, "sha1"),
    "checksum": lambda v: get_hash(v, "sha1"), "password_hash": password_hash,
    "type_debug": type_debug, "to_uuid": to_uuid, "strftime": strftime, "to_datetime": to_datetime,
    "log": logarithm, "pow": math.pow, "root": root,
    **DATA_FILTERS,
}
"""Ansible's filters, by name (Jinja's built-in filters are added by the environment)."""

GLOBALS: dict[str, Any] = {"now": now, "undef": undef}
"""Functions Ansible adds to Jinja's globals (``lookup`` is not supported)."""
