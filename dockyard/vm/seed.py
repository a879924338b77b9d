"""The cloud-init NoCloud seed: a small ISO labelled ``cidata`` that configures the first boot.

Built in Python (pycdlib), so no genisoimage or xorriso is needed. It holds three files:

- ``meta-data``: ``instance-id`` (the machine's name and seed hash: a changed seed is a new
  instance, so cloud-init or dockyard-seed applies it again) and ``local-hostname``;
- ``user-data``: the ``#cloud-config`` of userdata.py (the same for every provider);
- ``network-config`` (version 2): every NIC matched by its MAC, renamed ``eth<N>``, DHCP,
  or the static address the provider gave it on a ``lan:`` network.

The three files are a pure function of the declaration (:func:`seed_files`); the ISO around
them carries the build time, as every ISO 9660 image does.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from dockyard.vm.lan import LanSeat
from dockyard.vm.nic import nics_of
from dockyard.vm.spec import VmSpec
from dockyard.vm.userdata import dump_yaml, render_user_data

__all__ = ["seed_files", "seed_iso"]


def _network_config(spec: VmSpec, lans: Sequence[LanSeat]) -> dict[str, Any]:
    addresses = {seat.index: seat.address for seat in lans}
    ethernets: dict[str, Any] = {}
    for nic in nics_of(spec.name, spec.networks):
        entry: dict[str, Any] = {"match": {"macaddress": nic.mac}, "set-name": nic.guest_name}
        if nic.index in addresses:
            entry["addresses"] = [addresses[nic.index]]
        else:
            entry["dhcp4"] = True
        ethernets[nic.guest_name] = entry
    return {"version": 2, "ethernets": ethernets}


def seed_files(spec: VmSpec, lans: Sequence[LanSeat] = ()) -> dict[str, bytes]:
    """The seed's files by name; equal declarations (and LAN places) give equal bytes."""
    meta = {"instance-id": f"{spec.name}-{spec.seed_hash()}", "local-hostname": spec.guest_hostname}
    return {
        "meta-data": dump_yaml(meta).encode(),
        "user-data": render_user_data(spec).encode(),
        "network-config": dump_yaml(_network_config(spec, lans)).encode(),
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
