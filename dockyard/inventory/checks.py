"""Checks on connection variables whose values are written out literally.

Connection variables (``ansible_host``, ``ansible_user``, ``ansible_become*``...) are
plain variables in the inventory; the engine turns them into connections. Two of them
have values that can be wrong on their own, so they are checked while loading, where
the mistake can still be shown at its line:

* ``ansible_port`` must be a whole number from 1 to 65535 (``"2222"`` is accepted, as
  Ansible converts it);
* ``ansible_connection`` must be ``ssh``, ``local``, ``paramiko`` or ``smart``.

A value containing a template (``{{ ... }}``) is not checked: it is known only later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dockyard.errors import InventoryError
from dockyard.inventory.model import Origin
from dockyard.source import did_you_mean

__all__ = ["CONNECTION_TYPES", "check_connection_vars"]

CONNECTION_TYPES = ("ssh", "local", "paramiko", "smart")


def _is_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def check_connection_vars(values: Mapping[str, Any],
                          origins: Mapping[str, Origin]) -> list[InventoryError]:
    """Problems with literal ``ansible_port`` / ``ansible_connection`` values in ``values``."""
    problems: list[InventoryError] = []
    for key, check in (("ansible_port", _port_problem), ("ansible_connection", _connection_problem)):
        if key not in values or _is_template(values[key]):
            continue
        problem = check(values[key])
        if problem:
            origin = origins.get(key)
            message, hint = problem
            problems.append(InventoryError(message, span=origin.span if origin else None, hint=hint))
    return problems


def _port_problem(value: Any) -> tuple[str, str] | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
        return None
    return (f"ansible_port must be a port number, not {value!r}",
            "write a whole number from 1 to 65535, e.g. ansible_port=2222")


def _connection_problem(value: Any) -> tuple[str, str] | None:
    if isinstance(value, str) and value in CONNECTION_TYPES:
        return None
    close = did_you_mean(str(value), CONNECTION_TYPES)
    choices = ", ".join(CONNECTION_TYPES)
    return (f"ansible_connection {value!r} is not supported",
            f"{close} dockyard connects with: {choices}" if close else f"use one of: {choices}")
