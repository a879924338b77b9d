"""What servers are made from and attached to: flavors, images, networks, keypairs, the lab's
security group and floating IPs. Finds them (read-only) or makes them (apply), and releases
the shared ones dockyard made once no server uses them any more.

Shared resources (keypair ``dockyard-<hash>``, security group ``dockyard-<lab>``, an uploaded
image) are made under one process-wide lock, so machines created in parallel (even with
different provider options, hence different provider objects) never race to make two.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from typing import Any

from dockyard.errors import ProviderError
from dockyard.source import did_you_mean
from dockyard.vm.openstack.cloud import Cloud
from dockyard.vm.openstack.firewall import (
    DESCRIPTION,
    Rule,
    declared_rules,
    group_name,
    rule_drift,
    rules_of,
)
from dockyard.vm.openstack.flavors import Flavor, find_flavor, select_flavor
from dockyard.vm.openstack.options import OpenStackOptions
from dockyard.vm.spec import VmSpec

__all__ = ["KEYPAIR_PREFIX", "Resources", "keypair_name"]

KEYPAIR_PREFIX = "dockyard-"
_SHARED_LOCK = threading.RLock()
_FORMATS = {".qcow2": "qcow2", ".img": "qcow2", ".raw": "raw", ".iso": "iso", ".vmdk": "vmdk", ".vhd": "vhd"}


def keypair_name(public_key: str) -> str:
    """dockyard's name for a keypair made from ``public_key`` (key type and data, not the comment)."""
    identity = " ".join(public_key.split()[:2])
    return KEYPAIR_PREFIX + hashlib.sha256(identity.encode()).hexdigest()[:12]


class Resources:
    def __init__(self, cloud: Cloud, options: OpenStackOptions) -> None:
        self.cloud = cloud
        self.options = options
        self.lock = _SHARED_LOCK
        self._flavors: list[Flavor] | None = None

    @property
    def conn(self) -> Any:
        return self.cloud.conn

    def _project(self) -> str:
        project: str = self.cloud.call("read the current project", lambda: self.conn.current_project_id)
        return project

    # ------------------------------------------------------------------ flavors

    def flavors(self) -> list[Flavor]:
        with self.lock:
            if self._flavors is None:
                found = self.cloud.call("list flavors", lambda: list(self.conn.compute.flavors(details=True)))
                self._flavors = [Flavor(str(f.id), str(f.name), int(f.vcpus), int(f.ram), int(f.disk)) for f in found]
            return self._flavors

    def flavor_for(self, spec: VmSpec) -> Flavor:
        """The named flavor, else the smallest that fits the declared size."""
        try:
            if self.options.flavor:
                return find_flavor(self.flavors(), self.options.flavor)
            return select_flavor(self.flavors(), spec.cpus, spec.memory_mib, spec.disk_gib)
        except ProviderError as error:
            raise ProviderError(f"vm {spec.name}: {error.message}", hint=error.hint) from None

    # ------------------------------------------------------------------ images

    def find_image(self, spec: VmSpec) -> Any | None:
        if not spec.image:
            raise ProviderError(f"vm {spec.name}: no image declared",
                                hint="declare image: NAME (or id) of a cloud image, with provider_options "
                                     "image_file: PATH to upload it when missing")
        return self.cloud.call(f"vm {spec.name}: find image {spec.image}", self.conn.image.find_image,
                               spec.image, ignore_missing=True)

    def check_image(self, spec: VmSpec) -> None:
        """Read-only: the image exists, or can be uploaded from image_file."""
        if self.find_image(spec) is not None:
            return
        path = self.options.image_file
        if path and os.path.isfile(path):
            return
        names = [str(image.name) for image in self.cloud.call("list images", lambda: list(self.conn.image.images()))]
        hint = did_you_mean(spec.image, names) or f"images: {', '.join(sorted(names)[:10]) or 'none'}"
        if path:
            hint = f"image_file {path} does not exist either; {hint}"
        raise ProviderError(f"vm {spec.name}: no image '{spec.image}' in this cloud", hint=hint)

    def ensure_image(self, spec: VmSpec, progress: Callable[[str], None]) -> Any:
        with self.lock:
            image = self.find_image(spec)
            if image is not None:
                return image
            self.check_image(spec)
            path = str(self.options.image_file)
            fmt = self.options.image_format or _FORMATS.get(os.path.splitext(path)[1].lower(), "qcow2")
            progress(f"{spec.name}: uploading image {spec.image} from {path}")
            return self.cloud.call(
                f"vm {spec.name}: upload image {spec.image}", self.conn.image.create_image, name=spec.image,
                filename=path, disk_format=fmt, container_format="bare", wait=True,
                timeout=int(self.options.timeout))

    # ------------------------------------------------------------------ networks

    def network_ids(self, spec: VmSpec) -> list[str]:
        if spec.networks:
            ids = []
            for name in spec.networks:
                network = self.cloud.call(f"vm {spec.name}: find network {name}", self.conn.network.find_network,
                                          name, ignore_missing=True)
                if network is None:
                    raise ProviderError(f"vm {spec.name}: no network '{name}' in this cloud",
                                        hint=did_you_mean(name, self._network_names()) or
                                        f"networks: {', '.join(self._network_names()) or 'none'}")
                ids.append(str(network.id))
            return ids
        candidates = [network for network in self._networks() if not network.is_router_external]
        if len(candidates) != 1:
            raise ProviderError(f"vm {spec.name}: declare networks: this cloud has {len(candidates)} to choose from",
                                hint=f"networks: [{', '.join(self._network_names()) or 'NAME'}]")
        return [str(candidates[0].id)]

    def _networks(self) -> list[Any]:
        return self.cloud.call("list networks", lambda: list(self.conn.network.networks(project_id=self._project()))
                               + list(self.conn.network.networks(is_shared=True)))

    def _network_names(self) -> list[str]:
        return sorted({str(network.name) for network in self._networks()})

    def floating_network_id(self, spec: VmSpec) -> str:
        wanted = self.options.floating_network
        if wanted:
            network = self.cloud.call(f"find network {wanted}", self.conn.network.find_network, wanted,
                                      ignore_missing=True)
            if network is None:
                raise ProviderError(f"vm {spec.name}: no floating network '{wanted}'")
            return str(network.id)
        external = self.cloud.call("list external networks",
                                   lambda: list(self.conn.network.networks(is_router_external=True)))
        if len(external) != 1:
            raise ProviderError(f"vm {spec.name}: floating_ip needs floating_network: "
                                f"this cloud has {len(external)} external networks",
                                hint=f"floating_network: {', '.join(str(n.name) for n in external) or 'NAME'}")
        return str(external[0].id)

    # ------------------------------------------------------------------ keypair

    def keypair_for(self, spec: VmSpec) -> str | None:
        if self.options.keypair:
            return self.options.keypair
        return keypair_name(spec.ssh_keys[0]) if spec.ssh_keys else None

    def ensure_keypair(self, spec: VmSpec) -> str | None:
        name = self.keypair_for(spec)
        if name is None:
            return None
        with self.lock:
            found = self.cloud.call(f"vm {spec.name}: find keypair {name}", self.conn.compute.find_keypair,
                                    name, ignore_missing=True)
            if found is None and self.options.keypair:
                raise ProviderError(f"vm {spec.name}: no keypair '{name}' in this cloud",
                                    hint="create it, or leave keypair out: dockyard then makes one from ssh_keys")
            if found is None:
                self.cloud.call(f"vm {spec.name}: create keypair {name}", self.conn.compute.create_keypair,
                                name=name, public_key=spec.ssh_keys[0].strip())
        return name

    # ------------------------------------------------------------------ security group

    def group_state(self, spec: VmSpec, server_groups: list[str] | None) -> tuple[str, ...]:
        """Drift of the lab's security group (empty when it matches or is not managed)."""
        if not self.options.manage_security_group:
            return ()
        name = group_name(spec.lab)
        group = self._find_group(name)
        found = None if group is None else rules_of(str(group.id), self._rules(group))
        return rule_drift(name, self._declared(), None if found is None else found.keys(), server_groups)

    def _declared(self) -> frozenset[Rule]:
        return declared_rules(self.options.ssh_from)

    def _find_group(self, name: str) -> Any | None:
        groups = self.cloud.call(f"find security group {name}", lambda: list(
            self.conn.network.security_groups(name=name, project_id=self._project())))
        if not groups:
            return None
        group = groups[0]
        if not str(group.description or "").startswith(DESCRIPTION.split(":")[0]):
            raise ProviderError(f"security group '{name}' exists but was not made by dockyard",
                                hint="dockyard manages dockyard-<lab>: rename the lab, remove that group, "
                                     "or set manage_security_group: false")
        return group

    def _rules(self, group: Any) -> list[dict[str, Any]]:
        return self.cloud.call(f"list rules of security group {group.name}", lambda: [
            dict(rule.to_dict()) for rule in self.conn.network.security_group_rules(security_group_id=group.id)])

    def ensure_group(self, spec: VmSpec) -> list[str]:
        """Make the lab's group match (create, add and remove rules); the group names to attach."""
        extra = list(self.options.security_groups)
        if not self.options.manage_security_group:
            return extra
        name = group_name(spec.lab)
        with self.lock:
            group = self._find_group(name)
            if group is None:
                group = self.cloud.call(f"create security group {name}", self.conn.network.create_security_group,
                                        name=name, description=DESCRIPTION.format(lab=spec.lab or "(none)"))
            found = rules_of(str(group.id), self._rules(group))
            for rule in sorted(self._declared() - found.keys()):
                self.cloud.call(f"add {rule.describe()} to security group {name}",
                                self.conn.network.create_security_group_rule, **rule.sdk_arguments(str(group.id)))
            for rule in sorted(found.keys() - self._declared()):
                for rule_id in found[rule]:
                    self.cloud.call(f"remove {rule.describe()} from security group {name}",
                                    self.conn.network.delete_security_group_rule, rule_id, ignore_missing=True)
        return [name, *extra]

    # ------------------------------------------------------------------ release

    def release_shared(self, spec: VmSpec, key_name: str | None, servers: list[Any],
                       progress: Callable[[str], None]) -> None:
        """Delete the lab's security group and dockyard's keypair once no server in ``servers``
        (the project's servers, this one already gone) uses them."""
        with self.lock:
            name = group_name(spec.lab)
            if self.options.manage_security_group and not any(
                    name in {str(group.get("name")) for group in (server.security_groups or [])} for server in servers):
                group = self._find_group(name)
                if group is not None:
                    progress(f"{spec.name}: deleting security group {name} (no server uses it)")
                    self.cloud.call(f"delete security group {name}", self.conn.network.delete_security_group,
                                    group, ignore_missing=True)
            if key_name and key_name.startswith(KEYPAIR_PREFIX) and key_name != self.options.keypair and not any(
                    server.key_name == key_name for server in servers):
                progress(f"{spec.name}: deleting keypair {key_name} (no server uses it)")
                self.cloud.call(f"delete keypair {key_name}", self.conn.compute.delete_keypair, key_name,
                                ignore_missing=True)
