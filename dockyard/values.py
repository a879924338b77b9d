"""Plain-value conversions shared by every layer (inventory, connection, modules)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["FALSE_WORDS", "TRUE_WORDS", "as_bool", "plain_data"]

TRUE_WORDS = frozenset({"yes", "true", "on", "1", "y"})
FALSE_WORDS = frozenset({"no", "false", "off", "0", "n"})


def as_bool(value: Any) -> bool:
    """A YAML/INI boolean the way Ansible reads one; ValueError for anything else."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text == "":
        return False  # an empty INI value (ansible_become=) means "not set", as in Ansible
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"expected a boolean (true/false), got {value!r}")


def plain_data(value: Any) -> Any:
    """``value`` as plain dicts, lists, str, int, float, bool and None: what yaml.safe_dump and
    json accept (YAML nodes keep their positions in str/dict/list subclasses)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, Mapping):
        return {plain_data(key): plain_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain_data(item) for item in value]
    return str(value)
