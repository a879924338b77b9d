from __future__ import annotations

import json
from typing import Any

from bench.measure import Measurement
from bench.report import METRICS, Samples, add_sample, render_markdown, size_entry


def _samples(*seconds: float, rss_mib: int = 50) -> Samples:
    samples: Samples = {}
    for value in seconds:
        measurement = Measurement(
            seconds=value,
            peak_rss_bytes=rss_mib * 2**20,
            max_process_rss_bytes=rss_mib * 2**20,
            cpu_seconds=value / 2,
            exit_code=0,
        )
        add_sample(samples, measurement)
    return samples


def _document(tools: dict[str, dict[str, Samples]], note: str = "") -> dict[str, Any]:
    return {
        "schema": 1,
        "date": "2025-06-01T12:00:00Z",
        "note": note,
        "command": "python -m bench --hosts 50",
        "repetitions": 3,
        "machine": {"cpus": 2, "memory_gib": 23.5, "kernel": "6.1", "python": "3.11.7",
                    "containers_running": 4},
        "load": {"start": [1.0, 0.5, 0.25], "end": [2.0, 1.0, 0.5]},
        "versions": {"dockyard": "0.1.0 (abc1234)", "ansible": "2.19.0"},
        "sizes": [size_entry(50, [1.0, 0.5, 0.25], [0.4, 0.5, 0.6], tools)],
    }  # fmt: skip


def test_size_entry_keeps_every_sample_and_its_summary() -> None:
    entry = size_entry(
        10, [0.5, 0.4, 0.3], [0.3, 0.2, 0.4], {"dockyard": {"first": _samples(3, 1, 2)}}
    )
    assert entry["hosts"] == 10
    assert entry["floor"]["seconds"] == {
        "samples": [0.3, 0.2, 0.4], "median": 0.3, "min": 0.2, "max": 0.4, "count": 3,
    }  # fmt: skip
    first = entry["tools"]["dockyard"]["first"]
    assert set(first) == set(METRICS)
    assert first["seconds"]["samples"] == [3.0, 1.0, 2.0]
    assert first["seconds"]["median"] == 2.0
    assert first["cpu_seconds"]["median"] == 1.0
    assert entry["tools"]["dockyard"]["rerun"] == {}  # not measured: empty, not invented


def test_document_survives_json_and_renders_figures_and_ratios() -> None:
    tools = {
        "dockyard": {"first": _samples(2, 3, 4), "rerun": _samples(0.8, 1.0, 1.2)},
        "ansible": {"first": _samples(20, 30, 40), "rerun": _samples(12, 15, 18, rss_mib=300)},
        "pyinfra": {"first": _samples(5, 6, 7), "rerun": _samples(2, 3, 4)},
    }
    document = json.loads(json.dumps(_document(tools, note="Measured before batching.")))
    table = render_markdown(document)
    assert "**Measured before batching.**" in table
    assert "load average (1/5/15 min) 1.00 / 0.50 / 0.25 at the start" in table
    assert "| 50 | OpenSSH floor (`ssh host true`) | | 0.50 [0.40-0.60] | | |" in table
    assert (
        "| 50 | dockyard | 3.00 [2.00-4.00] | 1.00 [0.80-1.20] | 50 / 50 | 1.50 / 0.50 |" in table
    )
    assert "| 50 | ansible | 30.0 [20.0-40.0] | 15.0 [12.0-18.0] | 50 / 300 |" in table
    # re-run ansible/dockyard 15x, pyinfra/dockyard 3x, dockyard/floor 2x; first 10x and 2x
    assert "| 50 | 15.0x | 3.0x | 2.0x | 10.0x | 2.0x |" in table


def test_a_retried_repetition_is_named_above_the_table() -> None:
    tools = {"dockyard": {"first": _samples(2, 2, 2), "rerun": _samples(1, 1, 1)}}
    document = _document(tools)
    document["retries"] = [
        {"hosts": 50, "repetition": 2, "tool": "ansible", "reason": "lab07 unreachable"}
    ]
    assert (
        "Repeated on fresh hosts after a failed run: ansible at 50 hosts, repetition 2 "
        "(lab07 unreachable)." in render_markdown(document)
    )


def test_ratios_of_tools_not_run_are_dashes() -> None:
    tools = {"dockyard": {"first": _samples(2, 2, 2), "rerun": _samples(1, 1, 1)}}
    table = render_markdown(_document(tools))
    assert "| 50 | — | — | 2.0x | — | — |" in table
    assert "**" not in table  # no note, no empty bold line


def test_two_invocations_make_one_table_and_a_figure_of_one_run_says_so() -> None:
    from bench.report import merge_documents

    small = _document({"dockyard": {"first": _samples(2, 3, 4), "rerun": _samples(1, 1, 1)}})
    big = _document({"ansible": {"first": _samples(300), "rerun": _samples(250)}})
    big["sizes"][0]["hosts"] = 200
    big["command"], big["date"] = (
        "python -m bench --hosts 200 --tools ansible --reps 1",
        "2025-06-01T13:00:00Z",
    )
    big["versions"] = {"dockyard": "0.1.0 (def5678)", "ansible": "2.19.0"}
    big["repetitions"], big["note"] = 1, "200 hosts: ansible"
    late = _document({"ansible": {"first": _samples(40), "rerun": _samples(30)}})
    late["date"] = "2025-06-01T14:00:00Z"
    again = _document({"ansible": {"first": _samples(200), "rerun": _samples(150)}})
    again["sizes"][0]["hosts"], again["date"] = 200, "2025-06-01T15:00:00Z"
    again["sizes"][0]["floor"] = size_entry(200, [], [9.0], {})["floor"]
    # given out of order: the table lists them in the order they ran
    merged = json.loads(json.dumps(merge_documents([again, small, big, late])))
    assert [part["date"] for part in merged["parts"]] == [
        "2025-06-01T12:00:00Z", "2025-06-01T13:00:00Z", "2025-06-01T14:00:00Z", "2025-06-01T15:00:00Z",
    ]  # fmt: skip
    assert [size["hosts"] for size in merged["sizes"]] == [50, 200]
    # the floor at 200 hosts: the samples of both invocations that measured it
    assert merged["sizes"][1]["floor"]["seconds"]["samples"] == [0.4, 0.5, 0.6, 9.0]
    assert set(merged["sizes"][0]["tools"]) == {"dockyard", "ansible"}
    assert merged["sizes"][0]["tools"]["dockyard"]["rerun"]["seconds"]["median"] == 1.0
    # ansible at 200 hosts from two invocations: both samples, one summary
    assert merged["sizes"][1]["tools"]["ansible"]["rerun"]["seconds"]["samples"] == [250.0, 150.0]
    table = render_markdown(merged)
    assert table.startswith("### Benchmark of 2025-06-01T15:00:00Z\n")  # dated by the latest figures
    assert (
        "- 2025-06-01T13:00:00Z: `python -m bench --hosts 200 --tools ansible --reps 1` "
        "(1 repetition; load average 1.00 / 0.50 / 0.25 at the start, 2.00 / 1.00 / 0.50 at the end)"
        " — 200 hosts: ansible" in table
    )
    assert "Versions: dockyard 0.1.0 (abc1234) / 0.1.0 (def5678), ansible 2.19.0" in table
    # each invocation has its own load above; no single load pretends to be the whole table's
    assert "load average (1/5/15 min)" not in table
    assert (
        "| 200 | ansible | 250.0 [200.0-300.0] (2 runs) | 200.0 [150.0-250.0] (2 runs) |" in table
    )
    assert (
        "| 50 | 30.0x |" in table
    )  # ansible of the third invocation against dockyard of the first
