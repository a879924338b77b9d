"""Plain-value conversions shared by every layer (inventory, connection, modules)."""

from __future__ import annotations

from typing import Any

__all__ = ["FALSE_WORDS", "TRUE_WORDS", "as_bool"]

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
