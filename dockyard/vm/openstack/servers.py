"""Finding servers by name, reading their facts, and waiting for a status with a clear timeout."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from dockyard.errors import ProviderError
from dockyard.vm.openstack.cloud import Cloud
from dockyard.vm.openstack.state import ServerFacts

__all__ = ["Servers"]

_PROGRESS_EVERY = 15.0


def _fault(server: Any) -> str:
    fault = server.fault or {}
    return str(fault.get("message", "")).strip() if isinstance(fault, dict) else str(fault)


class Servers:
    def __init__(self, cloud: Cloud, timeout: float) -> None:
        self.cloud = cloud
        self.timeout = timeout

    @property
    def conn(self) -> Any:
        return self.cloud.conn

    def named(self, name: str) -> list[Any]:
        """The project's servers called exactly ``name`` (Nova filters by regex)."""
        found = self.cloud.call(f"vm {name}: find server", lambda: list(
            self.conn.compute.servers(details=True, name=f"^{re.escape(name)}$")))
        return [server for server in found if server.name == name]

    def all(self) -> list[Any]:
        return self.cloud.call("list servers", lambda: list(self.conn.compute.servers(details=True)))

    def get(self, name: str, server_id: str) -> Any | None:
        return self.cloud.call(f"vm {name}: read server {server_id}", self.conn.compute.find_server,
                               server_id, ignore_missing=True)

    def facts(self, server: Any, ports: Iterable[Any], floating: Iterable[Any],
              drift: tuple[str, ...] = ()) -> ServerFacts:
        """``server`` with its addresses: fixed IPs of its ports in creation order, floating IPs on them."""
        own = sorted((port for port in ports if port.device_id == server.id),
                     key=lambda port: (str(port.created_at or ""), str(port.id)))
        port_ids = [str(port.id) for port in own]
        fixed = tuple(str(ip["ip_address"]) for port in own for ip in (port.fixed_ips or []))
        floats = sorted((ip for ip in floating if str(ip.port_id) in port_ids),
                        key=lambda ip: port_ids.index(str(ip.port_id)))
        flavor = server.flavor
        return ServerFacts(
            name=str(server.name), id=str(server.id), status=str(server.status),
            vcpus=int(getattr(flavor, "vcpus", 0) or 0), ram=int(getattr(flavor, "ram", 0) or 0),
            disk=int(getattr(flavor, "disk", 0) or 0),
            metadata={str(key): str(value) for key, value in (server.metadata or {}).items()},
            fixed_ips=fixed, floating_ips=tuple(str(ip.floating_ip_address) for ip in floats),
            fault=_fault(server), drift=drift,
            flavor=str(getattr(flavor, "original_name", None) or getattr(flavor, "name", None) or ""))

    def ports_of(self, server: Any) -> list[Any]:
        return self.cloud.call(f"vm {server.name}: list ports", lambda: list(
            self.conn.network.ports(device_id=server.id)))

    def floating_of(self, ports: list[Any]) -> list[Any]:
        found: list[Any] = []
        for port in ports:
            found += self.cloud.call("list floating IPs", lambda port=port: list(self.conn.network.ips(port_id=port.id)))
        return found

    def wait_for(self, name: str, server: Any, statuses: tuple[str, ...], doing: str,
                 progress: Callable[[str], None]) -> Any:
        """Poll until the server has one of ``statuses``; ERROR or the timeout raise, naming
        the server and its fault."""
        started = time.monotonic()
        said = started
        while True:
            current = self.get(name, str(server.id))
            if current is None:
                raise ProviderError(f"vm {name}: server {server.id} disappeared while {doing}")
            if current.status in statuses:
                return current
            if current.status == "ERROR":
                raise ProviderError(f"vm {name}: server {server.id} went to ERROR while {doing}: "
                                    f"{_fault(current) or 'the cloud gave no fault message'}",
                                    hint="the cloud's compute log says more (nova-compute, nova-conductor)")
            now = time.monotonic()
            if now - started > self.timeout:
                raise ProviderError(
                    f"vm {name}: server {server.id} still {current.status} (task {current.task_state or 'none'}) "
                    f"after {self.timeout:.0f} s {doing}" + (f"; fault: {_fault(current)}" if _fault(current) else ""),
                    hint="raise provider_options.timeout if the cloud is just slow; a re-run replaces the server")
            if now - said >= _PROGRESS_EVERY:
                progress(f"{name}: {doing}, server {current.status} ({now - started:.0f} s)")
                said = now
            time.sleep(1.0)

    def wait_gone(self, name: str, server: Any, progress: Callable[[str], None]) -> None:
        started = time.monotonic()
        while True:
            current = self.get(name, str(server.id))
            if current is None or current.status == "DELETED":
                return
            if current.status == "ERROR" and time.monotonic() - started > 5:
                raise ProviderError(f"vm {name}: deleting server {server.id} failed: {_fault(current) or 'ERROR'}",
                                    hint="the cloud's compute log says more; a re-run deletes it again")
            if time.monotonic() - started > self.timeout:
                raise ProviderError(f"vm {name}: server {server.id} still {current.status} "
                                    f"{self.timeout:.0f} s after its delete", hint="raise provider_options.timeout")
            time.sleep(1.0)
