"""The pure edit functions of lineinfile, blockinfile and replace, on the case tables.

The same tables are run through ansible-core's modules by test_edits_vs_ansible.py, so
an expected value here is what Ansible really does, not what we think it does.
"""

from __future__ import annotations

from typing import Any

import pytest

from dockyard.modules import blockinfile, lineinfile, replace
from dockyard.modules.args import validate
from tests.unit.modules.cases import encode, load_cases


@pytest.mark.parametrize("case", load_cases("lineinfile"))
def test_lineinfile(case: dict[str, Any]) -> None:
    args = validate(lineinfile.LineInFileArgs, {"path": "/f", **case["args"]}, module="lineinfile")
    change = lineinfile.edit(encode(case["before"]), args)
    assert change.content == encode(case["after"])
    assert change.msg == case["msg"]


@pytest.mark.parametrize("case", load_cases("blockinfile"))
def test_blockinfile(case: dict[str, Any]) -> None:
    args = validate(blockinfile.BlockInFileArgs, {"path": "/f", **case["args"]}, module="blockinfile")
    content, msg = blockinfile.edit(encode(case["before"]), args)
    assert content == encode(case["after"])
    assert msg == case["msg"]


@pytest.mark.parametrize("case", load_cases("replace"))
def test_replace(case: dict[str, Any]) -> None:
    args = validate(replace.ReplaceArgs, {"path": "/f", **case["args"]}, module="replace")
    change = replace.edit(encode(case["before"]) or b"", args)
    assert change.content == encode(case["after"])
    assert change.msg == case["msg"]
