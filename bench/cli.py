"""`python -m bench`: the command line of the benchmark (see bench/README.md)."""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench.errors import BenchError
from bench.hosts import BenchLab
from bench.report import merge_documents, render_markdown
from bench.run import Plan, run_benchmark
from bench.tools import TOOLS, Tool

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SIZES = "1,10,50,200"

DESCRIPTION = """\
Run the same workload (10 tasks per host: directories, files with content, a template,
a line in a config file, a user, a symlink, a guarded command) with dockyard,
ansible-playbook and pyinfra on N fresh lab hosts (sshd containers on this machine), and
report per tool and N:

  first run           seconds for the workload on hosts that have never seen it
  idempotent re-run   seconds for the same command again (every host already in state)
  peak RSS            the controller's memory: the tool's whole process tree, summed
  CPU                 user + system seconds of the tool's process tree
  floor               OpenSSH `ssh host true` to all N hosts at once: the cost of
                      reaching the hosts, below which no tool can go

Each figure is the median of --reps repetitions with [min-max]. In each repetition the
tools run one after another (the order rotates) so that their ratios are comparable on
a busy machine. Every run must report 10 changes per host (first run) or 0 (re-run)
and three hosts are read back from outside after the first run: a failed or
half-done run stops the benchmark with its log instead of producing a figure.
"""

EPILOG = """\
examples:
  python -m bench                                   N = 1,10,50,200, 3 repetitions, 3 tools
  python -m bench --hosts 1,10 --reps 3             a quick look (about 3 minutes)
  python -m bench --hosts 50 --tools dockyard       dockyard alone (no ratios then)
  python -m bench --render bench/results/2025-06-01-1-10-50.json   the table again
  python -m bench --render A.json B.json            one table from two invocations

results: bench/results/<date>-<N...>.json (every sample, machine facts, versions) and
bench/results/latest.md (the table, with ratios). Logs of every run: --workdir.

needs: dockerd (tests/lab/dockerd.sh start), the lab image (built on first use, ~30 s),
and the tools: pip install -e '.[bench]'   (ansible-core and pyinfra from PyPI).
dockyard is always this checkout's (python -m dockyard with PYTHONPATH set to it).
"""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.render:
            documents = [json.loads(Path(path).read_text()) for path in args.render]
            print(render_markdown(merge_documents(documents)), end="")
            return 0
        plan = _plan(args, argv)
        return _run(plan, Path(args.results))
    except BenchError as error:
        print(f"error: {error.message}", file=sys.stderr)
        if error.hint:
            print(f"hint: {error.hint}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the lab hosts of this run were removed", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--hosts", default=DEFAULT_SIZES, metavar="N,N,...",
        help=f"numbers of hosts to measure (default: {DEFAULT_SIZES})",
    )  # fmt: skip
    parser.add_argument(
        "--reps", type=int, default=3, metavar="R",
        help="repetitions of every figure; the median is reported (default: 3)",
    )  # fmt: skip
    parser.add_argument(
        "--tools", default=",".join(TOOLS), metavar="T,T,...",
        help=f"tools to compare (default: {','.join(TOOLS)})",
    )  # fmt: skip
    parser.add_argument("--note", default="", help="a remark printed above the table")
    parser.add_argument(
        "--workdir", type=Path, metavar="DIR",
        help="lab key, inventories and every run's log (default: /tmp/dockyard-bench/<time>)",
    )  # fmt: skip
    parser.add_argument(
        "--results", default=str(RESULTS), metavar="DIR",
        help="where the JSON and latest.md go (default: bench/results)",
    )  # fmt: skip
    parser.add_argument("--render", metavar="JSON", nargs="+",
                        help="only print the table of result files (several: one table, sizes merged)")
    return parser


def _plan(args: argparse.Namespace, argv: list[str] | None) -> Plan:
    try:
        sizes = [int(part) for part in args.hosts.split(",") if part.strip()]
    except ValueError:
        raise BenchError(f"--hosts takes numbers separated by commas, not {args.hosts!r}") from None
    if not sizes or min(sizes) < 1:
        raise BenchError(f"--hosts needs numbers of at least 1, not {args.hosts!r}")
    if args.reps < 1:
        raise BenchError(f"--reps must be at least 1, not {args.reps}")
    tools = [_tool(name.strip()) for name in args.tools.split(",") if name.strip()]
    if not tools:
        raise BenchError("--tools names no tool", hint=f"choose from {', '.join(TOOLS)}")
    for tool in tools:
        tool.check_installed()
    if shutil.which("ssh") is None:
        raise BenchError(
            "the OpenSSH client is not installed", hint="apt-get install openssh-client"
        )
    stamp = time.strftime("%Y%m%d-%H%M%S")
    words = sys.argv[1:] if argv is None else argv
    return Plan(
        sizes=sizes,
        repetitions=args.reps,
        tools=tools,
        workdir=args.workdir or Path("/tmp/dockyard-bench") / stamp,
        note=args.note,
        command=shlex.join(["python", "-m", "bench", *words]),
    )


def _tool(name: str) -> Tool:
    if name not in TOOLS:
        raise BenchError(f"unknown tool {name!r}", hint=f"choose from {', '.join(TOOLS)}")
    return TOOLS[name]


def _run(plan: Plan, results: Path) -> int:
    if plan.repetitions < 3:
        print("bench: fewer than 3 repetitions: the medians are not robust", file=sys.stderr)
    lab = BenchLab(plan.workdir / "lab")
    lab.prepare()
    print(f"bench: logs of every run in {plan.workdir}", file=sys.stderr)
    name = f"{time.strftime('%Y-%m-%d')}-{'-'.join(str(n) for n in plan.sizes)}.json"
    results.mkdir(parents=True, exist_ok=True)

    def save(document: dict[str, Any]) -> None:  # after each N: a crash keeps what is done
        (results / name).write_text(json.dumps(document, indent=1) + "\n")
        (results / "latest.md").write_text(render_markdown(document))

    document = run_benchmark(plan, lab, save)
    print(render_markdown(document))
    print(f"bench: wrote {results / name} and {results / 'latest.md'}", file=sys.stderr)
    return 0
