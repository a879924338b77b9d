"""Module lookup by name: short (``copy``), FQCN (``ansible.builtin.copy``) or alias."""

from __future__ import annotations

from dockyard.modules.base import Module
from dockyard.source import did_you_mean

__all__ = ["FQCN_PREFIXES", "find_module", "known_names", "register"]

FQCN_PREFIXES = ("ansible.builtin.", "ansible.legacy.", "dockyard.builtin.")
_MODULES: dict[str, type[Module]] = {}


def register(cls: type[Module]) -> type[Module]:
    """Class decorator: make a module available under its name and aliases."""
    for name in (cls.name, *cls.aliases):
        if name in _MODULES and _MODULES[name] is not cls:
            raise RuntimeError(f"module name {name!r} registered twice")
        _MODULES[name] = cls
    return cls


def _load_builtins() -> None:
    import dockyard.modules.builtin  # noqa: F401  (registers every built-in module)


def find_module(name: str) -> type[Module] | None:
    """The module class for ``name``, or None when no module has that name."""
    _load_builtins()
    for prefix in FQCN_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    return _MODULES.get(name)


def known_names() -> list[str]:
    _load_builtins()
    return sorted(_MODULES)


def unknown_module_hint(name: str) -> str:
    return did_you_mean(name.rpartition(".")[2], known_names()) or "run 'dockyard modules' to list them"
