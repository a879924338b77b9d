"""Handlers: which were notified on which hosts, and in which order they run.

A task that reports ``changed`` notifies its ``notify`` names. A handler answers to its
``name`` and to every ``listen`` topic. At a flush (end of pre_tasks, of roles+tasks, of
post_tasks, or ``meta: flush_handlers``) every notified handler runs once, in the order
the handlers are written in the play, on the hosts that notified it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["HandlerQueue"]


def _names(handler: Any) -> tuple[str, ...]:
    """A handler answers to its name, ``role : name`` and each ``listen`` topic."""
    names = [handler.name] if getattr(handler, "name", None) else []
    role = getattr(handler, "role_name", "")
    if role and names:
        names.append(f"{role} : {names[0]}")
    names += list(getattr(handler, "listen", ()) or ())
    return tuple(str(name) for name in names)


class HandlerQueue:
    """Notified handlers per host for one play; thread-safe."""

    def __init__(self, handlers: Sequence[Any]) -> None:
        self.handlers = list(handlers)
        self._by_name: dict[str, list[int]] = {}
        named: dict[str, int] = {}
        for index, handler in enumerate(self.handlers):
            for name in _names(handler):
                if name in getattr(handler, "listen", ()):
                    self._by_name.setdefault(name, []).append(index)  # every listener runs
                else:
                    named[name] = index  # of handlers with the same name, the last one wins
        for name, index in named.items():
            self._by_name.setdefault(name, []).append(index)
        self._pending: dict[int, list[str]] = {}
        self._lock = threading.Lock()

    def knows(self, name: str) -> bool:
        return name in self._by_name

    def notify(self, host: str, names: Iterable[str]) -> list[str]:
        """Record notifications; return the names that match no handler (for a warning)."""
        unknown = []
        with self._lock:
            for name in names:
                indexes = self._by_name.get(name)
                if not indexes:
                    unknown.append(name)
                    continue
                for index in indexes:
                    hosts = self._pending.setdefault(index, [])
                    if host not in hosts:
                        hosts.append(host)
        return unknown

    def take(self) -> list[tuple[Any, list[str]]]:
        """The notified handlers in play order with their hosts; clears the queue."""
        with self._lock:
            ready = [(self.handlers[index], hosts) for index, hosts in sorted(self._pending.items())]
            self._pending.clear()
        return ready
