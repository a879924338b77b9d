"""Server metadata <-> VmState: what dockyard writes on a server, and how it reads it back. Pure.

A dockyard server carries (Nova server metadata, every value at most 255 characters)::

    dockyard.owner    dockyard              never touched without it (unless adopt: true)
    dockyard.lab      swarm-lab
    dockyard.seed     9f2c...               seed_hash() of the declaration at create time
    dockyard.user     debian                the login user (inventory: ansible_user)
    dockyard.image    bookworm              the image as declared
    dockyard.groups   ["managers"]          JSON, split into dockyard.groups.1, .2 ... if long
    dockyard.vars     {"zone": "a"}         JSON, split the same way
    dockyard.pending  create                only while a create runs; a server that still
                                            has it was left by a failed create

So ownership, lab, groups and vars need no state file: ``owned()`` and the inventory plugin
read them from the servers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dockyard.vm.spec import OWNER, FoundStatus, SshAddress, VmSpec, VmState

__all__ = ["PENDING", "ServerFacts", "creation_metadata", "identity_metadata", "inventory_metadata",
           "stale_keys", "state_from_server"]

PREFIX = "dockyard."
PENDING = PREFIX + "pending"
VALUE_LIMIT = 255  # Nova's limit for a metadata value

_RUNNING = {"ACTIVE", "REBUILD", "RESIZE", "VERIFY_RESIZE", "REVERT_RESIZE", "MIGRATING", "REBOOT",
            "HARD_REBOOT", "PASSWORD"}
_STOPPED = {"SHUTOFF", "STOPPED", "SUSPENDED", "PAUSED", "SHELVED", "SHELVED_OFFLOADED"}
_GONE = {"DELETED", "SOFT_DELETED"}


def _chunked(key: str, text: str) -> dict[str, str]:
    parts = [text[start:start + VALUE_LIMIT] for start in range(0, len(text), VALUE_LIMIT)] or [""]
    return {key if index == 0 else f"{key}.{index}": part for index, part in enumerate(parts)}


def _joined(metadata: Mapping[str, str], key: str) -> str:
    text = metadata.get(key, "")
    index = 1
    while f"{key}.{index}" in metadata:
        text += metadata[f"{key}.{index}"]
        index += 1
    return text


def identity_metadata(spec: VmSpec) -> dict[str, str]:
    """Ownership and what the machine was seeded with."""
    return {PREFIX + "owner": OWNER, PREFIX + "lab": spec.lab, PREFIX + "seed": spec.seed_hash(),
            PREFIX + "user": spec.user, PREFIX + "image": spec.image}


def inventory_metadata(spec: VmSpec) -> dict[str, str]:
    """Groups and vars, as JSON split to fit Nova's value limit."""
    return {**_chunked(PREFIX + "groups", json.dumps(list(spec.groups))),
            **_chunked(PREFIX + "vars", json.dumps(dict(spec.host_vars), sort_keys=True, default=str))}


def creation_metadata(spec: VmSpec) -> dict[str, str]:
    """Everything a new server is created with, marked pending until the create finished."""
    return {**identity_metadata(spec), **inventory_metadata(spec), PENDING: "create"}


def stale_keys(metadata: Mapping[str, str], written: Mapping[str, str]) -> list[str]:
    """Chunk keys of the families in ``written`` that the server has but ``written`` does not
    (vars got shorter: dockyard.vars.3 must go)."""
    families = {key.split(".")[1] for key in written}
    return sorted(key for key in metadata
                  if key.startswith(PREFIX) and len(key.split(".")) == 3
                  and key.split(".")[1] in families and key not in written)


def _json(text: str, empty: Any) -> Any:
    try:
        return json.loads(text) if text else empty
    except ValueError:
        return empty


@dataclass(frozen=True)
class ServerFacts:
    """What the provider read about one server, from Nova and Neutron."""

    name: str
    id: str
    status: str
    vcpus: int
    ram: int
    disk: int
    metadata: Mapping[str, str]
    fixed_ips: tuple[str, ...] = ()
    floating_ips: tuple[str, ...] = ()
    fault: str = ""
    drift: tuple[str, ...] = ()
    flavor: str = ""


def _status(facts: ServerFacts) -> tuple[FoundStatus, str]:
    if facts.status == "ERROR":
        return "failed", f"server {facts.id} is in ERROR" + (f": {facts.fault}" if facts.fault else "")
    if facts.metadata.get(PENDING):
        return "failed", f"its create did not finish (server {facts.id} left {facts.status})"
    if facts.status in _RUNNING:
        return "running", ""
    if facts.status in _STOPPED:
        return "stopped", ""
    return "failed", f"server {facts.id} is {facts.status}"


def state_from_server(facts: ServerFacts) -> VmState | None:
    """The VmState of one server; None for a server that is being deleted (it is gone)."""
    if facts.status in _GONE:
        return None
    metadata = facts.metadata
    status, fault = _status(facts)
    address_ip = (facts.floating_ips or facts.fixed_ips or ("",))[0]
    groups = _json(_joined(metadata, PREFIX + "groups"), [])
    host_vars = _json(_joined(metadata, PREFIX + "vars"), {})
    return VmState(
        name=facts.name, status=status, cpus=facts.vcpus, memory_mib=facts.ram, disk_gib=facts.disk,
        owner=metadata.get(PREFIX + "owner", ""), lab=metadata.get(PREFIX + "lab", ""),
        image=metadata.get(PREFIX + "image", ""), seed_hash=metadata.get(PREFIX + "seed", ""),
        user=metadata.get(PREFIX + "user", ""),
        groups=tuple(str(group) for group in groups) if isinstance(groups, list) else (),
        host_vars=host_vars if isinstance(host_vars, dict) else {},
        address=SshAddress(address_ip) if address_ip else None, provider_id=facts.id, fault=fault,
        drift=facts.drift,
        extra={"flavor": facts.flavor, "fixed_ips": list(facts.fixed_ips),
               "floating_ips": list(facts.floating_ips), "openstack_status": facts.status})
