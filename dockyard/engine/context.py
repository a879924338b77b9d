"""The state of one play batch while it runs: which hosts are still in, failed, ended."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dockyard.engine.handlers import HandlerQueue

__all__ = ["PlayContext"]


@dataclass
class PlayContext:
    play: Any
    hosts: list[str]
    all_hosts: list[str]
    handlers: HandlerQueue
    failed: set[str] = field(default_factory=set)
    unreachable: set[str] = field(default_factory=set)
    ended_hosts: set[str] = field(default_factory=set)
    ended: bool = False
    only: set[str] | None = None
    _block_failures: list[set[str]] = field(default_factory=list)
    _rescuable: list[bool] = field(default_factory=list)

    def active(self) -> list[str]:
        """Hosts that still run tasks, in inventory order."""
        return [
            host for host in self.hosts
            if host not in self.failed and host not in self.ended_hosts
            and (self.only is None or host in self.only)
        ]

    def fail(self, host: str) -> None:
        self.failed.add(host)
        for frame in self._block_failures:
            frame.add(host)

    def revive(self, hosts: Iterable[str]) -> None:
        """Hosts that run rescue/always are back in (and no longer failed in outer blocks)."""
        for host in hosts:
            if host not in self.unreachable:
                self.failed.discard(host)
                for frame in self._block_failures:
                    frame.discard(host)

    def end_host(self, host: str) -> None:
        self.ended_hosts.add(host)

    def push_block(self, *, rescuable: bool = False) -> None:
        """Enter a block's ``block`` (``rescuable`` when it has a rescue) or ``rescue`` part."""
        self._block_failures.append(set())
        self._rescuable.append(rescuable)

    def is_rescuable(self) -> bool:
        """A failure now would be rescued: some enclosing block is in its ``block`` part
        and has a ``rescue`` (Ansible's ``is_any_block_rescuing``)."""
        return any(self._rescuable)

    def pop_block(self) -> list[str]:
        self._rescuable.pop()
        failed = self._block_failures.pop()
        return [host for host in self.hosts if host in failed and host not in self.unreachable]
