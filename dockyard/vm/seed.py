"""The cloud-init NoCloud seed: a small ISO labelled ``cidata`` that configures the first boot.

Built in Python (pycdlib), so no genisoimage or xorriso is needed. It holds three files:

- ``meta-data``: ``instance-id`` (the machine's name and seed hash: a changed seed is a new
  instance, so cloud-init or dockyard-seed applies it again) and ``local-hostname``;
- ``user-data``: ``#cloud-config`` with the hostname, one user with passwordless sudo and
  the declared ssh keys, password login off, merged with the declaration's ``user_data``
  (mappings merge, lists are appended to, other values replace);
- ``network-config`` (version 2): every NIC matched by its MAC, renamed ``eth<N>``, DHCP.

The three files are a pure function of the declaration (:func:`seed_files`); the ISO around
them carries the build time, as every ISO 9660 image does.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import yaml

from dockyard.values import plain_data
from dockyard.vm.nic import nics_of
from dockyard.vm.spec import VmSpec

__all__ = ["merge_user_data", "seed_files", "seed_iso"]


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


def _user_data(spec: VmSpec) -> dict[str, Any]:
    user = {"name": spec.user, "sudo": "ALL=(ALL) NOPASSWD:ALL", "shell": "/bin/bash",
            "groups": ["sudo"], "lock_passwd": True, "ssh_authorized_keys": sorted(spec.ssh_keys)}
    base = {"hostname": spec.guest_hostname, "fqdn": spec.guest_hostname, "manage_etc_hosts": True,
            "preserve_hostname": False, "ssh_pwauth": False, "disable_root": True, "users": [user]}
    return merge_user_data(base, spec.user_data)


def _network_config(spec: VmSpec) -> dict[str, Any]:
    ethernets = {nic.guest_name: {"match": {"macaddress": nic.mac}, "set-name": nic.guest_name, "dhcp4": True}
                 for nic in nics_of(spec.name, spec.networks)}
    return {"version": 2, "ethernets": ethernets}


def _dump(data: Mapping[str, Any]) -> str:
    return yaml.safe_dump(plain_data(data), sort_keys=True, default_flow_style=False)


def seed_files(spec: VmSpec) -> dict[str, bytes]:
    """The seed's files by name; equal declarations give equal bytes."""
    meta = {"instance-id": f"{spec.name}-{spec.seed_hash()}", "local-hostname": spec.guest_hostname}
    return {
        "meta-data": _dump(meta).encode(),
        "user-data": ("#cloud-config\n" + _dump(_user_data(spec))).encode(),
        "network-config": _dump(_network_config(spec)).encode(),
    }


def seed_iso(files: Mapping[str, bytes]) -> bytes:
    """An ISO 9660 image labelled ``cidata`` (Joliet and Rock Ridge names) holding ``files``."""
    import pycdlib

    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, joliet=3, rock_ridge="1.09", vol_ident="cidata")
    for name, data in sorted(files.items()):
        short = "/" + name.replace("-", "").upper()[:8] + ".;1"
        iso.add_fp(io.BytesIO(data), len(data), short, rr_name=name, joliet_path="/" + name)
    out = io.BytesIO()
    iso.write_fp(out)
    iso.close()
    return out.getvalue()
