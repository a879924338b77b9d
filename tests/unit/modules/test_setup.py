"""setup: gather_subset by Ansible's rules, and filter; facts from a recorded facts document."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.facts.gather import FACT_TOPICS
from dockyard.modules.args import validate
from dockyard.modules.base import ModuleContext
from dockyard.modules.setup import MIN, SetupModule, select_topics

DOCUMENTS = Path(__file__).parents[1] / "data" / "facts"


@pytest.mark.parametrize(("subsets", "expected"), [
    (["all"], set(FACT_TOPICS)),
    ([], set(FACT_TOPICS)),
    (["!hardware"], set(FACT_TOPICS) - {"cpu", "memory", "mounts"}),
    (["!all"], set(MIN)),
    (["!all", "!min"], set()),
    (["!all", "network"], {"network", *MIN}),
    (["network", "!min"], {"network"}),
    (["virtual", "dockyard"], {"virtualization", "dockyard", *MIN}),
])
def test_gather_subset_follows_ansibles_rules(subsets: list[str], expected: set[str]) -> None:
    assert select_topics(subsets) == expected


def test_a_bad_subset_is_named_with_the_allowed_ones() -> None:
    with pytest.raises(ModuleError, match="bad subset 'hardwar'") as error:
        select_topics(["hardwar"])
    assert error.value.hint is not None and "hardware" in error.value.hint


def _document() -> bytes:
    """What gather.sh printed on a Debian 12 host (recorded by tests/unit/data/facts/capture.py)."""
    return (DOCUMENTS / "debian12-docker.txt").read_bytes()


def test_subset_and_filter_choose_the_facts_of_the_result() -> None:
    module = SetupModule()
    ctx = ModuleContext(host="h")
    args = validate(module.Args, {"gather_subset": ["!all"], "filter": ["ansible_distribution*"]},
                    module="setup")
    facts = module.parse(args, CommandResult(0, _document(), b""), ctx)
    assert facts and all(key.startswith("ansible_distribution") for key in facts)
    result = module.result(args, facts, {}, [], [])
    assert result["ansible_facts"]["ansible_distribution"] == facts["ansible_distribution"]
    assert module.steps(facts, module.desired(args, ctx), args) == []
    everything = module.parse(validate(module.Args, {}, module="setup"), CommandResult(0, _document(), b""), ctx)
    assert "ansible_default_ipv4" in everything and "ansible_default_ipv4" not in facts
