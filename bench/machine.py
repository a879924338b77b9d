"""Facts about the machine a result was measured on, so a reader can judge the numbers."""

from __future__ import annotations

import os
import platform
import subprocess
from typing import Any


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages, rounded."""
    return [round(value, 2) for value in os.getloadavg()]


def machine_facts() -> dict[str, Any]:
    """Cores, memory, kernel, Python, and how many containers were running (others' too)."""
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(_memory_kib() / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "containers_running": _running_containers(),
    }


def openssh_version() -> str:
    result = subprocess.run(["ssh", "-V"], capture_output=True, text=True, check=False)
    return (result.stderr or result.stdout).strip()


def _memory_kib() -> int:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    return 0


def _running_containers() -> int | None:
    result = subprocess.run(["docker", "ps", "-q"], capture_output=True, text=True, check=False)
    return len(result.stdout.split()) if result.returncode == 0 else None
