"""Running ansible-core as the reference: quiet, deterministic, isolated from the machine.

ansible-core is a test dependency only (``pip install dockyard[test]``). Everything here
runs it in a subprocess with an empty config, a private HOME and only the inventory
plugins that read files (``host_list``, ``yaml``, ``ini``), and makes any source it
cannot parse a failure instead of a warning.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

INVENTORIES = Path(__file__).parent / "inventories"

needs_ansible = pytest.mark.skipif(
    shutil.which("ansible-inventory") is None,
    reason="ansible-core is not installed (pip install -e '.[test]')",
)


def ansible_env(home: Path) -> dict[str, str]:
    """The environment for ansible-core: nothing from ours that starts with ANSIBLE_."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "ansible.cfg"
    config.write_text("[defaults]\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update({
        "HOME": str(home),
        "ANSIBLE_CONFIG": str(config),
        "ANSIBLE_HOME": str(home / ".ansible"),
        "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
        "ANSIBLE_COLLECTIONS_PATH": str(home / "collections"),
        "ANSIBLE_NOCOWS": "1",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_INVENTORY_ENABLED": "host_list,yaml,ini",
        "ANSIBLE_INVENTORY_UNPARSED_FAILED": "1",
        "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "1",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "ANSIBLE_SYSTEM_WARNINGS": "0",
        "ANSIBLE_HOST_PATTERN_MISMATCH": "ignore",
        "PYTHONHASHSEED": "0",
    })
    return env


def run_ansible(argv: list[str], home: Path, cwd: Path = INVENTORIES) -> subprocess.CompletedProcess[str]:
    """Run an ansible-core command (``ansible-inventory``, ``ansible``) in ``cwd``."""
    return subprocess.run(argv, cwd=cwd, env=ansible_env(home), capture_output=True, text=True,
                          timeout=120, check=False)


def ansible_inventory(args: list[str], home: Path) -> str:
    """stdout of ``ansible-inventory ARGS``; fails the test when it fails."""
    result = run_ansible(["ansible-inventory", *args], home)
    assert result.returncode == 0, result.stderr
    return result.stdout


def without_profile(text: str) -> Any:
    """Parse --list JSON and drop ``_meta.profile`` (ansible-core 2.19 only, not dockyard)."""
    data = json.loads(text)
    data.get("_meta", {}).pop("profile", None)
    return data


_ORACLE = """
import json, sys
from ansible.errors import AnsibleError
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
request = json.load(sys.stdin)
manager = InventoryManager(DataLoader(), sources=request["sources"])
answers = []
for pattern, limit in request["cases"]:
    manager.subset(limit)
    try:
        answers.append({"hosts": [h.name for h in manager.list_hosts(pattern)]})
    except AnsibleError as error:
        answers.append({"error": str(error)})
    manager.subset(None)
print(json.dumps(answers))
"""


def ansible_patterns(sources: list[str], cases: list[tuple[str, str | None]], home: Path,
                     cwd: Path = INVENTORIES) -> list[dict[str, Any]]:
    """What ``ansible PATTERN --limit LIMIT --list-hosts`` selects, for many cases at once.

    It calls the same InventoryManager.subset() + list_hosts() as the ``ansible`` command,
    in one process instead of one per pattern (tests check a few against the real command).
    """
    result = subprocess.run(
        [sys.executable, "-c", _ORACLE], input=json.dumps({"sources": sources, "cases": cases}),
        cwd=cwd, env=ansible_env(home), capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    answers: list[dict[str, Any]] = json.loads(result.stdout)
    return answers


def list_hosts_command(pattern: str, sources: list[str], home: Path,
                       cwd: Path = INVENTORIES) -> list[str]:
    """Hosts printed by the real ``ansible PATTERN -i ... --list-hosts``."""
    argv = ["ansible", pattern, "--list-hosts"]
    for source in sources:
        argv += ["-i", source]
    result = run_ansible(argv, home, cwd)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    return [line.strip() for line in lines[1:] if line.strip()]
