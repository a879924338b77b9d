"""The OpenStack provider: servers as VMs, through openstacksdk (see docs/openstack.md).

Read finds the server by name and turns it, its ports, floating IPs and the lab's security
group into a VmState (state.py). Apply carries out one planned change:

    create       image (uploaded if missing), flavor, networks, security group, keypair,
                 server with user-data and metadata marked pending; wait ACTIVE; floating IP;
                 then the pending mark goes. A failure removes the server again, or says that
                 it could not, in which case the pending mark makes the next plan replace it.
    replace      delete, then create (a failed create, or a new image)
    resize       a flavor change, confirmed; grow-disk is the same (the flavor carries the disk)
    stop/start   and wait for SHUTOFF / ACTIVE
    re-seed      rebuild with the new user-data and keypair (same image, same ports)
    metadata     groups and vars only
    repair       the security group and the server's membership in it
    delete       floating IPs it made, the server (waiting until gone), then the lab's group
                 and dockyard's keypair when no server uses them any more
"""

from __future__ import annotations

import base64
import re
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from dockyard.errors import ProviderError
from dockyard.vm.openstack.cloud import Cloud, connect
from dockyard.vm.openstack.options import OpenStackOptions
from dockyard.vm.openstack.resources import Resources
from dockyard.vm.openstack.servers import Servers
from dockyard.vm.openstack.state import (
    PENDING,
    creation_metadata,
    identity_metadata,
    inventory_metadata,
    stale_keys,
    state_from_server,
)
from dockyard.vm.plan import VmChange, VmOp
from dockyard.vm.spec import OWNER, SshAddress, VmSpec, VmState
from dockyard.vm.userdata import render_user_data

__all__ = ["OpenStackProvider"]

Progress = Callable[[str], None]
_CLEANUP_PATIENCE = 15.0


def _user_data(spec: VmSpec) -> str:
    return base64.b64encode(render_user_data(spec).encode()).decode()


def _is_owned(server: Any) -> bool:
    return bool((server.metadata or {}).get("dockyard.owner") == OWNER)


class OpenStackProvider:
    name = "openstack"

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = OpenStackOptions.parse(options)
        self.cloud = Cloud(connect(self.options.cloud, self.options.region, self.options.clouds_yaml),
                           self.options.retry_for)
        self.resources = Resources(self.cloud, self.options)
        self.servers = Servers(self.cloud, self.options.timeout)

    @property
    def conn(self) -> Any:
        return self.cloud.conn

    # ------------------------------------------------------------------ read

    def resolve(self, spec: VmSpec) -> VmSpec:
        """The declaration with the size of the flavor it selects; checks the image exists."""
        if spec.state == "absent":
            return spec
        flavor = self.resources.flavor_for(spec)
        self.resources.check_image(spec)
        return replace(spec, cpus=flavor.vcpus, memory_mib=flavor.ram, disk_gib=flavor.disk)

    def _server(self, spec: VmSpec) -> Any | None:
        found = self.servers.named(spec.name)
        owned = [server for server in found if _is_owned(server)]
        if len(found) > 1 and len(owned) != 1:
            raise ProviderError(f"vm {spec.name}: {len(found)} servers have this name ({len(owned)} made by dockyard)",
                                hint="dockyard needs unique server names: delete or rename the others")
        return (owned or found or [None])[0]

    def read(self, spec: VmSpec) -> VmState | None:
        server = self._server(spec)
        if server is None:
            return None
        ports = self.servers.ports_of(server)
        drift: tuple[str, ...] = ()
        if _is_owned(server) and spec.state != "absent" and server.status == "ACTIVE":
            drift = self.resources.group_state(
                spec, [str(group.get("name")) for group in (server.security_groups or [])])
        return state_from_server(self.servers.facts(server, ports, self.servers.floating_of(ports), drift))

    def owned(self, lab: str | None = None) -> list[VmState]:
        servers = [server for server in self.servers.all() if _is_owned(server)
                   and (lab is None or (server.metadata or {}).get("dockyard.lab") == lab)]
        if not servers:
            return []
        ports = self.cloud.call("list ports", lambda: list(self.conn.network.ports()))
        floating = self.cloud.call("list floating IPs", lambda: list(self.conn.network.ips()))
        states = [state_from_server(self.servers.facts(server, ports, floating)) for server in servers]
        return [state for state in states if state is not None]

    def wait_for_ssh(self, spec: VmSpec, timeout: float, progress: Progress) -> SshAddress:
        """Until a TCP connection to port 22 of the server's address succeeds."""
        state = self.read(spec)
        if state is None or state.address is None:
            raise ProviderError(f"vm {spec.name}: the server has no address to reach SSH on",
                                hint="attach a network (networks:) or a floating IP (floating_ip: true)")
        address = state.address
        started = time.monotonic()
        while True:
            try:
                with socket.create_connection((address.host, address.port), timeout=5):
                    return address
            except OSError as error:
                waited = time.monotonic() - started
                if waited > timeout:
                    raise ProviderError(
                        f"vm {spec.name}: no SSH on {address} after {timeout:.0f} s ({error})",
                        hint="does the image run cloud-init and sshd? does ssh_from allow this controller? "
                             "is the fixed network routed to you, or do you need floating_ip: true?") from None
                progress(f"{spec.name}: waiting for SSH on {address} ({waited:.0f} s)")
                time.sleep(5)

    def close(self) -> None:
        self.conn.close()

    # ------------------------------------------------------------------ apply

    def apply(self, spec: VmSpec, change: VmChange, progress: Progress) -> None:
        handlers: dict[VmOp, Callable[[VmSpec, Progress], None]] = {
            VmOp.CREATE: self._create, VmOp.REPLACE: self._replace, VmOp.DELETE: self._delete,
            VmOp.STOP: self._stop, VmOp.START: self._start, VmOp.RESIZE: self._resize,
            VmOp.GROW_DISK: self._resize, VmOp.UPDATE_METADATA: self._update_metadata,
            VmOp.RESEED: self._reseed, VmOp.REPAIR: self._repair}
        handlers[change.op](spec, progress)

    def _existing(self, spec: VmSpec) -> Any:
        server = self._server(spec)
        if server is None:
            raise ProviderError(f"vm {spec.name}: the server disappeared since the plan was made",
                                hint="run again: the new plan starts from what exists now")
        return server

    def _create(self, spec: VmSpec, progress: Progress) -> None:
        key_name = self.resources.keypair_for(spec)
        try:
            attributes = self._server_attributes(spec, progress)
            server = self.cloud.call(f"vm {spec.name}: create server", self._find_or_create, spec, attributes)
        except ProviderError as error:
            raise self._undo_create(spec, None, key_name, error, progress) from None
        try:
            self._finish_create(spec, server, progress)
        except ProviderError as error:
            raise self._undo_create(spec, server, key_name, error, progress) from None

    def _server_attributes(self, spec: VmSpec, progress: Progress) -> dict[str, Any]:
        """What the server is made of, making the shared parts that are missing."""
        image = self.resources.ensure_image(spec, progress)
        flavor = self.resources.flavor_for(spec)
        attributes: dict[str, Any] = {
            "name": spec.name, "image_id": image.id, "flavor_id": flavor.id,
            "networks": [{"uuid": network} for network in self.resources.network_ids(spec)],
            "metadata": creation_metadata(spec), "user_data": _user_data(spec)}
        groups = self.resources.ensure_group(spec)
        if groups:
            attributes["security_groups"] = [{"name": group} for group in groups]
        key_name = self.resources.ensure_keypair(spec)
        if key_name:
            attributes["key_name"] = key_name
        progress(f"{spec.name}: creating server (flavor {flavor.name}, image {spec.image})")
        return attributes

    def _find_or_create(self, spec: VmSpec, attributes: dict[str, Any]) -> Any:
        """A retried POST must not make a second server: the pending one is taken instead."""
        made = [server for server in self.conn.compute.servers(details=True, name=f"^{re.escape(spec.name)}$")
                if server.name == spec.name and (server.metadata or {}).get(PENDING)]
        return made[0] if made else self.conn.compute.create_server(**attributes)

    def _finish_create(self, spec: VmSpec, server: Any, progress: Progress) -> None:
        server = self.servers.wait_for(spec.name, server, ("ACTIVE",), "creating", progress)
        if self.options.floating_ip:
            network = self.resources.floating_network_id(spec)
            port = self.servers.ports_of(server)[0]
            self.cloud.call(f"vm {spec.name}: create floating IP", self.conn.network.create_ip,
                            floating_network_id=network, port_id=port.id, description=f"dockyard: vm {spec.name}")
        if spec.state == "stopped":
            self._stop(spec, progress)
        self.cloud.call(f"vm {spec.name}: mark the create finished", self.conn.compute.delete_server_metadata,
                        server, [PENDING])

    def _undo_create(self, spec: VmSpec, server: Any | None, key_name: str | None, error: ProviderError,
                     progress: Progress) -> ProviderError:
        progress(f"{spec.name}: create failed; removing what it made")
        try:
            with self.cloud.patience(_CLEANUP_PATIENCE):
                if server is None:
                    self.resources.release_shared(spec, key_name, self.servers.all(), progress)
                else:
                    self._remove(spec, server, progress)
        except ProviderError as cleanup:
            return ProviderError(
                f"{error.message}; cleaning up failed too ({cleanup.message})",
                hint="it is marked pending: the next run replaces it (or deletes it with state: absent)")
        return ProviderError(f"{error.message} (what the create made was removed)", hint=error.hint)

    def _remove(self, spec: VmSpec, server: Any, progress: Progress, *, release: bool = True) -> None:
        ports = self.servers.ports_of(server)
        for ip in self.servers.floating_of(ports):
            if str(ip.description or "").startswith("dockyard"):
                self.cloud.call(f"vm {spec.name}: delete floating IP {ip.floating_ip_address}",
                                self.conn.network.delete_ip, ip, ignore_missing=True)
        self.cloud.call(f"vm {spec.name}: delete server {server.id}", self.conn.compute.delete_server,
                        server, ignore_missing=True)
        self.servers.wait_gone(spec.name, server, progress)
        if release:
            self.resources.release_shared(spec, server.key_name, self.servers.all(), progress)

    def _replace(self, spec: VmSpec, progress: Progress) -> None:
        server = self._server(spec)
        if server is not None:
            self._remove(spec, server, progress, release=False)
        self._create(spec, progress)

    def _delete(self, spec: VmSpec, progress: Progress) -> None:
        self._remove(spec, self._existing(spec), progress)

    def _stop(self, spec: VmSpec, progress: Progress) -> None:
        server = self._existing(spec)
        self.cloud.call(f"vm {spec.name}: stop server", self.conn.compute.stop_server, server)
        self.servers.wait_for(spec.name, server, ("SHUTOFF",), "stopping", progress)

    def _start(self, spec: VmSpec, progress: Progress) -> None:
        server = self._existing(spec)
        self.cloud.call(f"vm {spec.name}: start server", self.conn.compute.start_server, server)
        self.servers.wait_for(spec.name, server, ("ACTIVE",), "starting", progress)

    def _resize(self, spec: VmSpec, progress: Progress) -> None:
        server = self._existing(spec)
        flavor = self.resources.flavor_for(spec)
        now = server.flavor
        if (now.vcpus, now.ram, now.disk, now.original_name) == (flavor.vcpus, flavor.ram, flavor.disk, flavor.name):
            return  # a resize planned with grow-disk already did it
        settled = "SHUTOFF" if server.status == "SHUTOFF" else "ACTIVE"
        self.cloud.call(f"vm {spec.name}: resize to flavor {flavor.name}", self.conn.compute.resize_server,
                        server, flavor.id)
        self.servers.wait_for(spec.name, server, ("VERIFY_RESIZE",), f"resizing to {flavor.name}", progress)
        self.cloud.call(f"vm {spec.name}: confirm the resize", self.conn.compute.confirm_server_resize, server)
        self.servers.wait_for(spec.name, server, (settled,), "confirming the resize", progress)

    def _update_metadata(self, spec: VmSpec, progress: Progress) -> None:
        server = self._existing(spec)
        written = inventory_metadata(spec)
        self.cloud.call(f"vm {spec.name}: set metadata", self.conn.compute.set_server_metadata, server, **written)
        stale = stale_keys(server.metadata or {}, written)
        if stale:
            self.cloud.call(f"vm {spec.name}: delete stale metadata", self.conn.compute.delete_server_metadata,
                            server, stale)

    def _reseed(self, spec: VmSpec, progress: Progress) -> None:
        server = self._existing(spec)
        attached = set((server.addresses or {}).keys())
        if spec.networks and attached != set(spec.networks):
            raise ProviderError(f"vm {spec.name}: its networks are {', '.join(sorted(attached))}; "
                                f"moving a server to {', '.join(spec.networks)} is not supported",
                                hint="delete the machine (state: absent) and create it again")
        image = self.resources.ensure_image(spec, progress)
        settled = "SHUTOFF" if server.status == "SHUTOFF" else "ACTIVE"
        attributes: dict[str, Any] = {"user_data": _user_data(spec)}
        key_name = self.resources.ensure_keypair(spec)
        if key_name:
            attributes["key_name"] = key_name
        self.cloud.call(f"vm {spec.name}: rebuild with the new seed", self.conn.compute.rebuild_server,
                        server, image.id, **attributes)
        self.servers.wait_for(spec.name, server, (settled,), "rebuilding", progress)
        self.cloud.call(f"vm {spec.name}: set metadata", self.conn.compute.set_server_metadata, server,
                        **identity_metadata(spec))

    def _repair(self, spec: VmSpec, progress: Progress) -> None:
        groups = self.resources.ensure_group(spec)
        server = self._existing(spec)
        member_of = {str(group.get("name")) for group in (server.security_groups or [])}
        for group in groups:
            if group not in member_of:
                self.cloud.call(f"vm {spec.name}: add to security group {group}",
                                self.conn.compute.add_security_group_to_server, server, group)
