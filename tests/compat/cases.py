"""The compatibility suite's cases: each playbook directory under ``playbooks/``, the
arguments it runs with, and the inventory of its two hosts (``web1``, ``web2``).

Shared by the comparison with ansible-playbook (``test_playbooks_vs_ansible.py``) and the
plan accuracy test (``test_plan_accuracy.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.lab import LabHost
from tests.lab.inventory import render_inventory

PLAYBOOKS = Path(__file__).parent / "playbooks"
NAMES = ("web1", "web2")


@dataclass(frozen=True)
class Case:
    """A playbook directory and the command-line arguments both tools get."""

    name: str
    args: tuple[str, ...] = ()


ARGS = {
    "09_tags": ("--tags", "config,users", "--skip-tags", "slow"),
    "12_vars": ("-e", "from_cli=cli overridden=cli", "-e", '{"cli_list": [3, 1, 2]}'),
}
CASES = [Case(path.name, ARGS.get(path.name, ()))
         for path in sorted(PLAYBOOKS.iterdir()) if (path / "site.yml").exists()]
NETWORK = {"17_packages_services"}  # downloads from the Debian archive
PARAMS = [pytest.param(case, id=case.name, marks=[pytest.mark.apt] if case.name in NETWORK else [])
          for case in CASES]


def write_inventory(path: Path, hosts: Sequence[LabHost]) -> Path:
    """An inventory naming the hosts web1 and web2; groups ``web`` = both, ``db`` = web2."""
    named = [dataclasses.replace(host, name=name) for host, name in zip(hosts, NAMES, strict=True)]
    path.write_text(render_inventory(named, groups={"web": named, "db": named[1:]}))
    return path


def selected_cases(request: pytest.FixtureRequest) -> list[Case]:
    """The cases of the requesting module that this session will run (``-k``, ``-m``), the slow
    ones (downloads) first, so that none of them is left running alone at the end.

    With pytest-xdist each worker collects every test, so a module's cases must all go to one
    worker (its ``xdist_group`` mark; ``--dist loadgroup`` is in pyproject's addopts), or each
    worker would run all of them."""
    selected = set()
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if isinstance(item, pytest.Function) and item.module is request.module and callspec is not None:
            case = callspec.params.get("case")
            if isinstance(case, Case):
                selected.add(case.name)
    return sorted((case for case in CASES if case.name in selected), key=lambda c: c.name not in NETWORK)
