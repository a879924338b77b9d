"""measure() on real child processes (no hosts): memory of the whole tree, exit codes."""

from __future__ import annotations

import sys
from pathlib import Path

from bench.measure import measure

HOLD_MEMORY = (
    "import time; x = bytearray({mib} * 2**20); x[::4096] = b'1' * len(x[::4096]); time.sleep(0.6)"
)


def test_peak_rss_counts_every_process_of_the_tree(tmp_path: Path) -> None:
    child = f'{sys.executable} -c "{HOLD_MEMORY.format(mib=80)}"'
    script = f"{child} & {child} & wait"
    result = measure(["sh", "-c", script], log=tmp_path / "log", cwd=tmp_path)
    assert result.exit_code == 0
    assert result.max_process_rss_bytes >= 80 * 2**20
    assert result.peak_rss_bytes >= 160 * 2**20  # two children at once, summed
    assert result.seconds >= 0.6


def test_exit_code_output_and_cpu_time_are_kept(tmp_path: Path) -> None:
    code = "import sys; sum(range(3 * 10**6)); print('done'); sys.exit(3)"
    result = measure([sys.executable, "-c", code], log=tmp_path / "log", cwd=tmp_path)
    assert result.exit_code == 3
    assert (tmp_path / "log").read_text() == "done\n"
    assert result.cpu_seconds > 0
