"""Playbooks for the OpenStack tests, run through the CLI, and what the SDK says is left."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.integration.cli import run_dockyard
from tests.integration.openstack.conftest import World


def vm_playbook(world: World, key: str, machines: list[dict[str, Any]], **common: Any) -> str:
    task: dict[str, Any] = {
        "provider": "openstack", "provider_options": {"image_file": str(world.image_file)},
        "image": world.image, "cpus": 1, "memory": 500, "disk": 1, "networks": ["dy-net"],
        "ssh_keys": [key], "lab": world.lab, "wait_for_ssh": False, "machines": machines, **common}
    play = {"hosts": "localhost", "gather_facts": False, "tasks": [{"vm": task}]}
    return yaml.safe_dump([play], sort_keys=False)


def play(workdir: Path, text: str, *args: str) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """Run ``text`` as a playbook with JSON output; the process and its host_result events."""
    (workdir / "vms.yml").write_text(text)
    done = run_dockyard("play", "vms.yml", "--output", "json", "--no-retry-file", *args, cwd=workdir, timeout=600)
    results = [event for line in done.stdout.splitlines() if line.startswith("{")
               for event in [json.loads(line)] if event.get("event") == "host_result"]
    return done, results


def summaries(results: list[dict[str, Any]]) -> list[str]:
    return [step["summary"] for result in results for step in result.get("steps", [])]


def leftovers(conn: Any, lab: str, key_name: str, server_ids: set[str]) -> dict[str, list[str]]:
    """Everything of ``lab`` dockyard made that still exists, by kind (all lists empty: clean)."""
    servers = [server for server in conn.compute.servers(details=True)
               if server.name.startswith(f"{lab}-") or (server.metadata or {}).get("dockyard.lab") == lab]
    ports = [port for port in conn.network.ports() if port.device_id in server_ids]
    return {
        "servers": [f"{server.name} {server.status}" for server in servers],
        "ports": [f"{port.id} of {port.device_id}" for port in ports],
        "keypairs": [keypair.name for keypair in conn.compute.keypairs() if keypair.name == key_name],
        "security groups": [group.name for group in conn.network.security_groups() if group.name == f"dockyard-{lab}"],
        "floating ips": [ip.floating_ip_address for ip in conn.network.ips()
                         if str(ip.description or "").startswith(f"dockyard: vm {lab}-")],
    }
