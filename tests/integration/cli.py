"""Run the dockyard CLI of this checkout in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_dockyard(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``dockyard ARGS...`` with this checkout's code first on the path, whatever is installed."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "dockyard.cli.main", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd, env=env)
