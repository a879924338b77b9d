"""setup: gather the host's facts in one round trip (``ansible.builtin.setup``).

Arguments::

    - setup:
        gather_subset: [network, "!hardware"]   # default: all; "!all" keeps only min
        filter: ["ansible_eth*", "ansible_default_ipv4"]   # shell-style patterns

The probe is the same read-only facts script as a play's "Gathering Facts" (see
docs/facts.md), so it never changes anything and reports ``ok``. Its ``ansible_facts``
become the host's facts for the rest of the run: they rank as gathered facts (below
play vars and set_fact), as in Ansible. The subsets choose among the topics the script
reports; the script itself always runs whole (it is one round trip either way).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import FactError, ModuleError
from dockyard.facts.base import Facts, facts_command, new_marker
from dockyard.facts.gather import FACT_TOPICS, fact_topics_from, merge_topics
from dockyard.modules.args import arg
from dockyard.modules.base import HostModule, ModuleContext, Step
from dockyard.modules.registry import register

__all__ = ["SUBSETS", "SetupArgs", "SetupModule", "select_topics"]

MIN = ("platform", "env", "user", "python", "date_time", "pkg_mgr", "service_mgr")
SUBSETS: dict[str, tuple[str, ...]] = {
    "all": FACT_TOPICS,
    "min": MIN,
    "hardware": ("cpu", "memory", "mounts"),
    "network": ("network",),
    "virtual": ("virtualization",),
    # Ansible's finer names, mapped to the topic that holds them
    "distribution": ("platform",),
    "devices": ("mounts",),
    "interfaces": ("network",),
    "default_ipv4": ("network",),
    "default_ipv6": ("network",),
    "all_ipv4_addresses": ("network",),
    "all_ipv6_addresses": ("network",),
    "ohai": (),
    "facter": (),
    **{topic: (topic,) for topic in FACT_TOPICS},
}


@dataclass(frozen=True)
class SetupArgs:
    gather_subset: list[str] = arg(["all"], doc="subsets to report: all, min, hardware, network, "
                                   "virtual, dockyard, or a topic; '!name' leaves one out")
    filter: list[str] = arg([], doc="report only facts whose name matches one of these patterns")


def select_topics(subsets: Sequence[str]) -> set[str]:
    """The topics ``gather_subset`` asks for, by Ansible's rules.

    Named subsets are added (none named: all), '!name' ones removed unless also named,
    and ``min`` is always there unless '!min' is given.
    """
    def expand(name: str) -> tuple[str, ...]:
        if name not in SUBSETS:
            raise ModuleError(f"bad subset '{name}' given to setup",
                              hint=f"gather_subset options allowed: {', '.join(sorted(SUBSETS))}")
        return SUBSETS[name]

    named = [s.strip() for s in subsets if s.strip() and not s.strip().startswith("!")]
    removed = [s.strip()[1:] for s in subsets if s.strip().startswith("!")]
    wanted = {topic for name in named for topic in expand(name)} if named else set(FACT_TOPICS)
    unwanted = {topic for name in removed for topic in expand(name)}
    chosen = wanted - (unwanted - {topic for name in named if name != "all" for topic in expand(name)})
    if "min" not in removed:
        chosen |= set(MIN)
    return chosen


@register
class SetupModule(HostModule[SetupArgs, Facts]):
    name = "setup"
    Args = SetupArgs

    def probe(self, args: SetupArgs, ctx: ModuleContext) -> str:
        select_topics(args.gather_subset)  # a bad subset fails before the host is asked
        interpreter = ctx.variables.get("ansible_python_interpreter")
        try:
            return facts_command(new_marker(), str(interpreter) if interpreter else None)
        except FactError as error:  # a bad ansible_python_interpreter
            error.host = ctx.host
            raise

    def parse(self, args: SetupArgs, output: CommandResult | None, ctx: ModuleContext) -> Facts:
        if output is None:
            raise ModuleError("setup: no output from the facts script", host=ctx.host)
        topics = fact_topics_from(output, host=ctx.host)
        chosen = select_topics(args.gather_subset)
        facts = merge_topics({name: facts for name, facts in topics.items() if name in chosen})
        if args.filter:
            facts = {key: value for key, value in facts.items()
                     if any(fnmatch.fnmatchcase(key, pattern) for pattern in args.filter)}
        return facts

    def desired(self, args: SetupArgs, ctx: ModuleContext) -> Facts:
        return {}

    def steps(self, current: Facts, desired: Facts, args: SetupArgs) -> list[Step]:
        return []

    def result(self, args: SetupArgs, current: Facts, desired: Facts, steps: Sequence[Step],
               ran: Sequence[CommandResult]) -> dict[str, Any]:
        facts: Mapping[str, Any] = {**current, "gather_subset": list(args.gather_subset),
                                    "module_setup": True}
        return {"ansible_facts": dict(facts)}
