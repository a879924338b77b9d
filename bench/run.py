"""The benchmark loop: for each number of hosts, repetitions; in each, every tool in turn.

    for N in sizes:
        for repetition in 1..R:            tools interleaved, order rotated each repetition
            for tool in tools:
                N fresh hosts; the OpenSSH floor on them
                first run   -> must report 10 changes per host; 3 hosts spot-checked
                re-run      -> must report 0 changes per host

Every run's output is kept in the work directory (WORKDIR/N-hosts/repK/TOOL/{first,rerun}.log).
No figure is ever taken from a run that did not do the work. A failed repetition (a lab
host's sshd can drop out on a machine loaded far beyond its cores) is run once more on
fresh hosts and recorded in the result's "retries"; a second failure stops the benchmark
with the log's last lines.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.errors import BenchError
from bench.expected import TASKS_PER_HOST
from bench.hosts import BenchLab, check_state, ssh_floor
from bench.machine import load_average, machine_facts, openssh_version
from bench.measure import Measurement, measure
from bench.recap import problems
from bench.report import SCHEMA, Samples, add_sample, size_entry
from bench.tools import Tool
from tests.lab import LabHost

PHASES = (("first", TASKS_PER_HOST), ("rerun", 0))


@dataclass(frozen=True)
class Plan:
    """What to measure: host counts, repetitions, tools; where to keep the logs."""

    sizes: Sequence[int]
    repetitions: int
    tools: Sequence[Tool]
    workdir: Path
    note: str = ""
    command: str = ""


def run_benchmark(
    plan: Plan, lab: BenchLab, save: Callable[[dict[str, Any]], None] = lambda d: None
) -> dict[str, Any]:
    """Measure everything in `plan`; `save` gets the document after each number of hosts."""
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "note": plan.note,
        "command": plan.command,
        "repetitions": plan.repetitions,
        "machine": machine_facts(),
        "load": {"start": load_average()},
        "versions": {tool.name: tool.version() for tool in plan.tools},
        "retries": [],
        "sizes": [],
    }
    document["versions"]["openssh"] = openssh_version()
    try:
        for count in plan.sizes:
            document["sizes"].append(_measure_size(plan, lab, count, document["retries"]))
            document["load"]["end"] = load_average()
            save(document)
    finally:
        lab.stop()
    return document


def _measure_size(
    plan: Plan, lab: BenchLab, count: int, retries: list[dict[str, Any]]
) -> dict[str, Any]:
    load_start = load_average()
    floor: list[float] = []
    samples: dict[str, dict[str, Samples]] = {t.name: {} for t in plan.tools}
    for repetition in range(1, plan.repetitions + 1):
        shift = (repetition - 1) % len(plan.tools)
        for tool in [*plan.tools[shift:], *plan.tools[:shift]]:
            rundir = plan.workdir / f"{count}-hosts" / f"rep{repetition}" / tool.name
            try:
                floor_seconds, measurements = _repetition(lab, count, tool, rundir)
            except BenchError as error:
                reason = error.message.splitlines()[0]
                retries.append(
                    {"hosts": count, "repetition": repetition, "tool": tool.name, "reason": reason}
                )
                _progress(f"{reason}\n  retrying once on fresh hosts (a second failure stops)")
                retry = rundir.with_name(f"{tool.name}-retry")
                floor_seconds, measurements = _repetition(lab, count, tool, retry)
            floor.append(floor_seconds)
            for phase, measurement in measurements.items():
                add_sample(samples[tool.name].setdefault(phase, {}), measurement)
            figures = ", ".join(f"{p} {m.seconds:.2f}s" for p, m in measurements.items())
            _progress(
                f"{count} hosts, repetition {repetition}/{plan.repetitions}, {tool.name}: "
                f"{figures} (floor {floor_seconds:.2f}s, load {load_average()[0]:.2f})"
            )
    return size_entry(count, load_start, floor, samples)


def _repetition(
    lab: BenchLab, count: int, tool: Tool, rundir: Path
) -> tuple[float, dict[str, Measurement]]:
    """One repetition of one tool on fresh hosts: the floor, then every phase."""
    hosts = lab.fresh(count)
    floor_seconds = ssh_floor(hosts)
    rundir.mkdir(parents=True, exist_ok=True)
    measurements = {}
    for phase, changes in PHASES:
        measurements[phase] = _run_tool(tool, phase, changes, hosts, rundir)
    return floor_seconds, measurements


def _run_tool(
    tool: Tool, phase: str, changes: int, hosts: Sequence[LabHost], rundir: Path
) -> Measurement:
    """Run one phase of one tool, then prove it did what it should; return its figures."""
    invocation = tool.invocation(rundir, hosts, phase)
    log = rundir / f"{phase}.log"
    try:
        measurement = measure(invocation.argv, log=log, cwd=invocation.cwd, env=invocation.env)
    finally:
        tool.cleanup(rundir)
    output = log.read_text(errors="replace")
    outcome = tool.parse(output)
    found = problems(outcome, [host.name for host in hosts], changes)
    if measurement.exit_code != 0:
        found.insert(0, f"exit code {measurement.exit_code}")
    if found:
        for host in hosts:  # why a host failed may only be in its container's log
            if host.name in outcome.failed:
                (rundir / f"{host.name}.container.log").write_text(host.logs())
        tail = "\n".join(f"    {line}" for line in output.splitlines()[-25:])
        raise BenchError(
            f"{tool.name}'s {phase} run on {len(hosts)} hosts is not usable: "
            f"{'; '.join(found)}\n  log: {log}\n  last lines:\n{tail}"
        )
    if phase == "first":
        check_state(hosts)
    return measurement


def _progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)
