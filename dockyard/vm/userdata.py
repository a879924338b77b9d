"""The cloud-init user-data a machine gets at first boot, from its declaration.

Shared by every provider: OpenStack passes it as the server's user-data; a local provider
writes it into its seed (NoCloud ISO). What goes in is exactly what
:func:`~dockyard.vm.spec.seed_hash` hashes, so a changed seed is always a planned re-seed::

    #cloud-config
    hostname: node1
    users:
      - name: debian
        shell: /bin/bash
        sudo: ALL=(ALL) NOPASSWD:ALL
        ssh_authorized_keys: [ssh-ed25519 AAAA...]

The declaration's ``user_data`` is merged on top: its keys win, except ``users``, which is
appended to, so that extra users never drop the login user.
"""

from __future__ import annotations

from typing import Any

import yaml

from dockyard.vm.spec import VmSpec

__all__ = ["cloud_config", "render_user_data"]


def cloud_config(spec: VmSpec) -> dict[str, Any]:
    """The cloud-config mapping of ``spec``: hostname, the login user with its keys, extras."""
    login: dict[str, Any] = {"name": spec.user, "shell": "/bin/bash", "sudo": "ALL=(ALL) NOPASSWD:ALL",
                             "ssh_authorized_keys": [key.strip() for key in spec.ssh_keys]}
    config: dict[str, Any] = {"hostname": spec.guest_hostname, "users": [login]}
    for key, value in spec.user_data.items():
        if key == "users" and isinstance(value, list):
            config["users"] = [login, *value]
        else:
            config[key] = value
    return config


def render_user_data(spec: VmSpec) -> str:
    """``#cloud-config`` text of :func:`cloud_config` (stable order, so equal specs give equal text)."""
    body = yaml.safe_dump(cloud_config(spec), sort_keys=True, default_flow_style=False)
    return "#cloud-config\n" + body
