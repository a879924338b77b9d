"""Loading the YAML case tables of the content-editing modules (cases/*.yml).

A case is ``{name, before, args, after, msg}``: the file's content (``null``: missing),
the task's arguments (``path`` is added), the content Ansible leaves, and its ``msg``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

CASES = Path(__file__).parent / "cases"


def load_cases(module: str) -> list[Any]:
    """pytest params of ``cases/<module>.yml``, each with its name as id."""
    data = yaml.safe_load((CASES / f"{module}.yml").read_text(encoding="utf-8"))
    return [pytest.param(case, id=case["name"]) for case in data]


def encode(text: str | None) -> bytes | None:
    return None if text is None else text.encode("utf-8")
