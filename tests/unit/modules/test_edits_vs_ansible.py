"""The case tables, run through ansible-core's own lineinfile/blockinfile/replace.

Each module runs as ansible-core runs it on a host (``python -m ansible.modules.X
ARGS.json``) on a temp file of the case's content; the file it leaves and its ``msg``
must be the case's ``after`` and ``msg``, which test_edits.py holds dockyard to. So the
tables are a compatibility table: a case only passes both when dockyard == Ansible.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.unit.modules.cases import encode, load_cases

pytestmark = pytest.mark.skipif(importlib.util.find_spec("ansible") is None,
                                reason="ansible-core is not installed (pip install -e '.[test]')")


def run_ansible_module(module: str, case: dict[str, Any], tmp_path: Path) -> tuple[bytes | None, str]:
    """The file content and msg ansible-core's module leaves for ``case``."""
    target = tmp_path / "file"
    if case["before"] is not None:
        target.write_bytes(encode(case["before"]) or b"")
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"path": str(target), **case["args"]}}))
    done = subprocess.run([sys.executable, "-m", f"ansible.modules.{module}", str(args_file)],
                          capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path)
    result = json.loads(done.stdout)
    assert not result.get("failed"), result
    return (target.read_bytes() if target.exists() else None), str(result.get("msg", ""))


@pytest.mark.parametrize("case", load_cases("lineinfile"))
def test_lineinfile_like_ansible(case: dict[str, Any], tmp_path: Path) -> None:
    assert run_ansible_module("lineinfile", case, tmp_path) == (encode(case["after"]), case["msg"])


@pytest.mark.parametrize("case", load_cases("blockinfile"))
def test_blockinfile_like_ansible(case: dict[str, Any], tmp_path: Path) -> None:
    assert run_ansible_module("blockinfile", case, tmp_path) == (encode(case["after"]), case["msg"])


@pytest.mark.parametrize("case", load_cases("replace"))
def test_replace_like_ansible(case: dict[str, Any], tmp_path: Path) -> None:
    assert run_ansible_module("replace", case, tmp_path) == (encode(case["after"]), case["msg"])
