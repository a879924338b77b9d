"""The result document (JSON) and its markdown table.

A result file holds the raw samples of every figure and their summaries:

    {"schema": 1, "date": "2025-06-01T12:00:00Z", "note": "...", "command": "...",
     "repetitions": 3, "machine": {...}, "load": {"start": [..], "end": [..]},
     "retries": [{"hosts": 50, "repetition": 2, "tool": "ansible", "reason": "..."}],
     "versions": {"dockyard": "...", "ansible": "...", "pyinfra": "...", "openssh": "..."},
     "sizes": [{"hosts": 10, "load_start": [..],
                "floor": {"seconds": {"samples": [..], "median": .., "min": .., "max": .., "count": 3}},
                "tools": {"dockyard": {"first": {METRIC: {"samples": [..], "median": ..}, ...},
                                       "rerun": {...}}}}]}

METRIC is one of `METRICS`. `render_markdown(document)` needs nothing else, so a table can
be made again from any result file (`python -m bench --render FILE`). `merge_documents` puts
several invocations into one table (e.g. 200 hosts measured apart from the rest); the header
then names each invocation ("parts"), and a figure from fewer than 3 runs says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bench.measure import Measurement
from bench.stats import Summary, ratio, summarize

SCHEMA = 1
METRICS = ("seconds", "peak_rss_bytes", "max_process_rss_bytes", "cpu_seconds")
PHASES = ("first", "rerun")
TARGETS = "ansible/dockyard >= 10, pyinfra/dockyard >= 3, dockyard/floor <= 2"

Samples = dict[str, list[float]]
"""Per metric, one sample per repetition."""


def add_sample(samples: Samples, measurement: Measurement) -> None:
    """Append one run's figures to `samples`."""
    for metric in METRICS:
        samples.setdefault(metric, []).append(float(getattr(measurement, metric)))


def summarized(samples: Mapping[str, Sequence[float]]) -> dict[str, Any]:
    """{metric: {"samples": [...], "median": .., "min": .., "max": .., "count": ..}}."""
    return {
        metric: {"samples": list(values), **summarize(values).to_json()}
        for metric, values in samples.items()
        if values
    }


def size_entry(
    hosts: int,
    load_start: Sequence[float],
    floor_seconds: Sequence[float],
    tools: Mapping[str, Mapping[str, Samples]],
) -> dict[str, Any]:
    """The document's entry for one number of hosts."""
    return {
        "hosts": hosts,
        "load_start": list(load_start),
        "floor": summarized({"seconds": floor_seconds}),
        "tools": {
            tool: {phase: summarized(phases.get(phase, {})) for phase in PHASES}
            for tool, phases in tools.items()
        },
    }


def merge_documents(documents: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One document from several invocations, taken in the order they ran: the sizes of all (a
    tool, or the floor, measured at one size in several invocations: all its samples together),
    the machine of the first, every version seen, each invocation in "parts"; dated by the last."""
    documents = sorted(documents, key=lambda document: str(document["date"]))
    merged = dict(documents[0])
    merged["date"] = documents[-1]["date"]
    merged["parts"] = [part for document in documents for part in _parts(document)]
    merged["repetitions"] = max(document["repetitions"] for document in documents)
    versions: dict[str, list[str]] = {}
    for document in documents:
        for name, version in document["versions"].items():
            if version not in versions.setdefault(name, []):
                versions[name].append(version)
    merged["versions"] = {name: " / ".join(seen) for name, seen in versions.items()}
    sizes: dict[int, dict[str, Any]] = {}
    for document in documents:
        for size in document["sizes"]:
            entry = sizes.setdefault(size["hosts"], {**size, "floor": {}, "tools": {}})
            entry["floor"] = _pooled(entry["floor"], size["floor"])
            for tool, phases in size["tools"].items():
                known = entry["tools"].setdefault(tool, {phase: {} for phase in PHASES})
                for phase in PHASES:
                    known[phase] = _pooled(known[phase], phases.get(phase, {}))
    merged["sizes"] = [sizes[hosts] for hosts in sorted(sizes)]
    merged["retries"] = [retry for document in documents for retry in document.get("retries", [])]
    return merged


def _pooled(known: Mapping[str, Any], more: Mapping[str, Any]) -> dict[str, Any]:
    """The summaries of `known` and `more` made again from the samples of both."""
    samples: Samples = {metric: list(values["samples"]) for metric, values in known.items()}
    for metric, values in more.items():
        samples.setdefault(metric, []).extend(values["samples"])
    return summarized(samples)


def _parts(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    if "parts" in document:
        return list(document["parts"])
    return [{key: document.get(key) for key in ("date", "command", "repetitions", "note", "load")}]


def render_markdown(document: Mapping[str, Any]) -> str:
    """The result as markdown: a header with the machine, the figures, then the ratios."""
    sizes = document["sizes"]
    lines = [*_header(document), "", *_figures_table(sizes), "", *_ratios_table(sizes), ""]
    return "\n".join(lines)


def _header(document: Mapping[str, Any]) -> list[str]:
    machine, load, versions = document["machine"], document["load"], document["versions"]
    lines = [f"### Benchmark of {document['date']}", ""]
    parts = document.get("parts") or []
    if len(parts) > 1:
        lines += ["Measured on the same machine in these invocations, in the order they ran:", ""]
        lines += [_part(part) for part in parts]
        lines += [""]
    elif document.get("note"):
        lines += [f"**{document['note']}**", ""]
    conditions = (
        f"{machine['cpus']} cores, {machine['memory_gib']} GiB, Linux {machine['kernel']}, "
        f"Python {machine['python']}"
    )
    if len(parts) <= 1:
        conditions += (
            f"; load average (1/5/15 min) {_load(load['start'])} at the start, "
            f"{_load(load['end'])} at the end; "
            f"{machine.get('containers_running', '?')} containers running at the start"
        )
    lines += [
        f"Median of {document['repetitions']} repetitions (a figure of fewer says so), [min-max] "
        "beside it; the tools run "
        "interleaved in each repetition, each on fresh lab hosts (sshd containers on this "
        "machine). The workload: 10 tasks per host (bench/workload/). Re-run: the same "
        "command again, every host already in state.",
        "",
        f"Machine: {conditions}.",
        "",
        "Versions: " + ", ".join(f"{name} {version}" for name, version in versions.items()),
    ]
    for retry in document.get("retries", []):
        lines += [
            "",
            f"Repeated on fresh hosts after a failed run: {retry['tool']} at {retry['hosts']} "
            f"hosts, repetition {retry['repetition']} ({retry['reason']}).",
        ]
    return lines


def _figures_table(sizes: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [
        "| hosts | tool | first run (s) | idempotent re-run (s) | peak RSS first / re-run (MiB) "
        "| CPU first / re-run (s) |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for size in sizes:
        hosts = size["hosts"]
        floor = _summary(size["floor"].get("seconds"))
        lines.append(f"| {hosts} | OpenSSH floor (`ssh host true`) | | {_seconds(floor)} | | |")
        for tool, phases in size["tools"].items():
            first, rerun = phases["first"], phases["rerun"]
            rss = f"{_mib(first, 'peak_rss_bytes')} / {_mib(rerun, 'peak_rss_bytes')}"
            cpu = f"{_cpu(first)} / {_cpu(rerun)}"
            lines.append(
                f"| {hosts} | {tool} | {_seconds(_summary(first.get('seconds')))} "
                f"| {_seconds(_summary(rerun.get('seconds')))} | {rss} | {cpu} |"
            )
    return lines


def _ratios_table(sizes: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [
        f"Ratios of the medians (targets of issue 4 for the re-run at 50 hosts: {TARGETS}):",
        "",
        "| hosts | re-run ansible/dockyard | re-run pyinfra/dockyard | re-run dockyard/floor "
        "| first run ansible/dockyard | first run pyinfra/dockyard |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        rerun = {tool: _summary(p["rerun"].get("seconds")) for tool, p in size["tools"].items()}
        first = {tool: _summary(p["first"].get("seconds")) for tool, p in size["tools"].items()}
        floor = _summary(size["floor"].get("seconds"))
        dockyard_rerun, dockyard_first = rerun.get("dockyard"), first.get("dockyard")
        cells = [
            ratio(rerun.get("ansible"), dockyard_rerun),
            ratio(rerun.get("pyinfra"), dockyard_rerun),
            ratio(dockyard_rerun, floor),
            ratio(first.get("ansible"), dockyard_first),
            ratio(first.get("pyinfra"), dockyard_first),
        ]
        lines.append(f"| {size['hosts']} | " + " | ".join(_ratio(c) for c in cells) + " |")
    return lines


def _part(part: Mapping[str, Any]) -> str:
    repetitions = part["repetitions"]
    note = f" — {part['note']}" if part.get("note") else ""
    return (
        f"- {part['date']}: `{part['command']}` ({repetitions} "
        f"repetition{'' if repetitions == 1 else 's'}; load average {_load(part['load']['start'])} "
        f"at the start, {_load(part['load']['end'])} at the end){note}"
    )


def _summary(entry: Mapping[str, Any] | None) -> Summary | None:
    if not entry:
        return None
    return Summary(entry["median"], entry["min"], entry["max"], entry["count"])


def _seconds(summary: Summary | None) -> str:
    if summary is None:
        return "—"
    if summary.count < 3:
        runs = "1 run" if summary.count == 1 else f"{summary.count} runs"
        return (
            f"{_number(summary.median)} [{_number(summary.low)}-{_number(summary.high)}] ({runs})"
        )
    return f"{_number(summary.median)} [{_number(summary.low)}-{_number(summary.high)}]"


def _number(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _mib(phase: Mapping[str, Any], metric: str) -> str:
    summary = _summary(phase.get(metric))
    return "—" if summary is None else f"{summary.median / 2**20:.0f}"


def _cpu(phase: Mapping[str, Any]) -> str:
    summary = _summary(phase.get("cpu_seconds"))
    return "—" if summary is None else _number(summary.median)


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}x"


def _load(values: Sequence[float]) -> str:
    return " / ".join(f"{value:.2f}" for value in values)
