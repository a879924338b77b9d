"""Ansible INI inventories for lab hosts, readable by dockyard and by ansible-core alike.

    # dockyard test lab, session 3f2a9c1e
    lab01 ansible_host=172.17.0.2 ansible_user=dockyard ansible_ssh_private_key_file=/tmp/.../id_ed25519
    lab02 ansible_host=172.17.0.3 ansible_user=dockyard ansible_ssh_private_key_file=/tmp/.../id_ed25519

    [web]
    lab01

    [all:vars]
    ansible_host_key_checking=false
    ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'
    ansible_python_interpreter=/usr/bin/python3

Host keys are new for every container (and addresses are reused between runs), so
checking them against a known_hosts file would fail; the `[all:vars]` turn that off for
both tools. Values with spaces are quoted as ansible-core's INI parser expects.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence

from tests.lab.host import LabHost

DEFAULT_VARS: dict[str, str] = {
    "ansible_host_key_checking": "false",
    "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
    "ansible_python_interpreter": "/usr/bin/python3",
}


def render_inventory(
    hosts: Sequence[LabHost],
    *,
    groups: Mapping[str, Sequence[LabHost]] | None = None,
    user: str | None = None,
    all_vars: Mapping[str, str] | None = None,
    comment: str = "dockyard test lab",
) -> str:
    """The INI text: one line per host, then `[group]` sections, then `[all:vars]`.

    `user` overrides each host's `ansible_user`; `all_vars` are added to (or replace)
    the default `[all:vars]`, e.g. {"ansible_password": "pwuser"} for password tests.
    """
    lines = [f"# {comment}"]
    for host in hosts:
        host_vars = {
            "ansible_host": host.address,
            "ansible_user": user or host.user,
            "ansible_ssh_private_key_file": str(host.key_path),
        }
        if host.port != 22:
            host_vars["ansible_port"] = str(host.port)
        lines.append(" ".join([host.name, *(f"{k}={_value(v)}" for k, v in host_vars.items())]))
    for group, members in (groups or {}).items():
        lines += ["", f"[{group}]", *(member.name for member in members)]
    merged = {**DEFAULT_VARS, **(all_vars or {})}
    lines += ["", "[all:vars]", *(f"{k}={_value(v)}" for k, v in merged.items())]
    return "\n".join(lines) + "\n"


def _value(value: str) -> str:
    return value if value and not any(c in value for c in " \t'\"#;=") else shlex.quote(value)
