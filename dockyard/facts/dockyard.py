"""dockyard's own facts: container runtimes, Docker Swarm state, k3s.

``dockyard_container_runtime``::

    {"docker": {"present": true, "version": "24.0.7", "server_version": "24.0.7",
                "reachable": true},
     "containerd": {"present": true, "version": "1.6.20"}}

``version`` is the docker CLI's own version; ``server_version`` is the daemon's
and ``reachable`` says whether the daemon answered ``docker info`` (within 5 s).

``dockyard_swarm`` (from ``docker info --format '{{json .Swarm}}'``)::

    {"state": "active", "role": "manager", "node_id": "x2...", "node_addr": "10.0.0.2",
     "cluster_id": "p0...", "managers": ["10.0.0.2:2377"], "error": null}

``state`` is Docker's ``LocalNodeState`` (``inactive``, ``pending``, ``active``,
``locked``, ``error``), or ``unknown`` when docker exists but its daemon did not
answer (``error`` then holds docker's message); without docker it is
``inactive``. ``role`` is ``manager``/``worker`` on an active node, else None.

``dockyard_k3s``: ``{"present": true, "version": "v1.29.3+k3s1"}``.
"""

from __future__ import annotations

import json
from typing import Any

from dockyard.facts.base import Document, Facts
from dockyard.facts.system import has_command

__all__ = ["dockyard_facts"]


def _docker_info(doc: Document) -> tuple[dict[str, Any] | None, str | None, dict[str, Any], str]:
    """(Swarm dict or None if the daemon did not answer, server version, ClientInfo, errors).

    The section is ``docker info --format`` with stderr merged in: on success the
    Swarm JSON, the server version and the ClientInfo JSON; on failure docker
    still prints the template (with empty values) and then its error message.
    """
    lines = [line.strip() for line in (doc.text("docker_info") or "").splitlines()]
    objects = [(i, obj) for i, line in enumerate(lines) if (obj := _json_object(line)) is not None]
    client = objects[1][1] if len(objects) > 1 else {}
    if doc.rc("docker_info") != 0 or not objects:
        errors = [line for line in lines if line and _json_object(line) is None]
        return None, None, client, "\n".join(errors)
    start, swarm = objects[0]
    after = lines[start + 1] if start + 1 < len(lines) else ""
    server = after if after and _json_object(after) is None else None
    return swarm, server, client, ""


def _json_object(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _word_after(text: str | None, prefix: str, index: int) -> str | None:
    """The ``index``-th word of the first line starting with ``prefix``, commas stripped."""
    for line in (text or "").splitlines():
        words = line.split()
        if line.startswith(prefix) and len(words) > index:
            return words[index].rstrip(",")
    return None


def _swarm(swarm: dict[str, Any] | None, present: bool, error_text: str) -> dict[str, Any]:
    if swarm is None:
        state = "unknown" if present else "inactive"
        error = (error_text.strip() or "docker info failed") if present else None
        return {
            "state": state,
            "role": None,
            "node_id": None,
            "node_addr": None,
            "cluster_id": None,
            "managers": [],
            "error": error,
        }
    state = str(swarm.get("LocalNodeState") or "inactive")
    role = None
    if state == "active":
        role = "manager" if swarm.get("ControlAvailable") else "worker"
    cluster = swarm.get("Cluster") or {}
    managers = [str(m.get("Addr")) for m in swarm.get("RemoteManagers") or [] if m.get("Addr")]
    return {
        "state": state,
        "role": role,
        "node_id": swarm.get("NodeID") or None,
        "node_addr": swarm.get("NodeAddr") or None,
        "cluster_id": cluster.get("ID") or None if isinstance(cluster, dict) else None,
        "managers": managers,
        "error": swarm.get("Error") or None,
    }


def dockyard_facts(doc: Document) -> Facts:
    """dockyard_container_runtime, dockyard_swarm, dockyard_k3s."""
    docker_present = has_command(doc, "docker")
    swarm, server, client, errors = _docker_info(doc)
    client_version = client.get("Version") or _word_after(
        doc.output("docker_version"), "Docker version", 2
    )
    containerd_present = has_command(doc, "containerd")
    k3s_present = has_command(doc, "k3s")
    return {
        "dockyard_container_runtime": {
            "docker": {
                "present": docker_present,
                "version": client_version if docker_present else None,
                "server_version": server,
                "reachable": swarm is not None,
            },
            "containerd": {
                "present": containerd_present,
                "version": _word_after(doc.output("containerd_version"), "containerd", 2),
            },
        },
        "dockyard_swarm": _swarm(swarm, docker_present, errors),
        "dockyard_k3s": {
            "present": k3s_present,
            "version": _word_after(doc.output("k3s_version"), "k3s version", 2),
        },
    }
