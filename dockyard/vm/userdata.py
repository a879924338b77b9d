"""The cloud-init user-data a machine gets at first boot, from its declaration.

Shared by every provider: OpenStack passes it as the server's user-data; libvirt writes it
into the NoCloud seed ISO (seed.py). What goes in is exactly what
:func:`~dockyard.vm.spec.seed_hash` hashes, so a changed seed is always a planned re-seed::

    #cloud-config
    hostname: node1
    users:
      - name: debian
        shell: /bin/bash
        sudo: ALL=(ALL) NOPASSWD:ALL
        lock_passwd: true
        ssh_authorized_keys: [ssh-ed25519 AAAA...]
    ssh_pwauth: false

The declaration's ``user_data`` is merged on top (:func:`merge_user_data`): mappings merge,
lists are appended to (so extra ``users`` never drop the login user), other values replace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from dockyard.values import plain_data
from dockyard.vm.spec import VmSpec

__all__ = ["cloud_config", "dump_yaml", "merge_user_data", "render_user_data"]


def merge_user_data(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = dict(base)
    for key, value in extra.items():
        old = merged.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            merged[key] = merge_user_data(old, value)
        elif isinstance(old, list) and isinstance(value, list):
            merged[key] = old + [item for item in value if item not in old]
        else:
            merged[key] = value
    return merged


def cloud_config(spec: VmSpec) -> dict[str, Any]:
    """The cloud-config mapping of ``spec``: hostname, the login user with its keys, extras."""
    user = {"name": spec.user, "sudo": "ALL=(ALL) NOPASSWD:ALL", "shell": "/bin/bash",
            "groups": ["sudo"], "lock_passwd": True,
            "ssh_authorized_keys": sorted(key.strip() for key in spec.ssh_keys)}
    base = {"hostname": spec.guest_hostname, "fqdn": spec.guest_hostname, "manage_etc_hosts": True,
            "preserve_hostname": False, "ssh_pwauth": False, "disable_root": True, "users": [user]}
    return merge_user_data(base, spec.user_data)


def dump_yaml(data: Mapping[str, Any]) -> str:
    """Stable YAML of plain data (playbook nodes are str/dict subclasses: written as plain data)."""
    return yaml.safe_dump(plain_data(data), sort_keys=True, default_flow_style=False)


def render_user_data(spec: VmSpec) -> str:
    """``#cloud-config`` text of :func:`cloud_config`; equal declarations give equal text."""
    return "#cloud-config\n" + dump_yaml(cloud_config(spec))
