"""dockyard inventory against ansible-inventory, on the same inventories.

Each case under ``inventories/`` covers features (see the comments in the files):

=============  ===============================================================
ini_features   ungrouped hosts, ports, ranges (numbers, widths, letters, steps,
               several per name, IPv4/IPv6), inline vars of every literal type,
               :children, :vars, [all:vars], ansible_group_priority
yaml_features  all.hosts/vars/children, nested children, hosts as a string,
               ranges and ports in keys, YAML types, a group under two parents
dir_mixed      a directory: INI, YAML, JSON, extensionless INI and YAML, ignored
               files, a sub-directory; group_vars/host_vars as files (.yml,
               .yaml, .json, no extension) and as directories of files
precedence     every rule of the variable precedence list (docs/inventory.md)
multi          two -i sources, each with its own group_vars/host_vars
pending        groups named in :children and given :vars before their section
host lists     -i 'a,b:2222,[::1]:2200,localhost,' alone and with a directory
patterns,      the inventories of test_patterns_vs_ansible.py (a group under two
nested         parents, three levels)
examples       the repository's inventory/ (README examples), whole and one file
=============  ===============================================================

What is compared: ``--list`` and ``--list --export`` as parsed JSON (lists keep their
order: Ansible's hosts/children order is the inventory order, so it is meaningful);
the only normalisation is dropping ``_meta.profile``, which ansible-core 2.19 adds and
dockyard does not write. ``--graph``/``--graph --vars`` and ``--host`` are compared as
text, byte for byte.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest

from dockyard.cli.main import main
from tests.compat.ansible_oracle import (
    INVENTORIES,
    ansible_inventory,
    needs_ansible,
    run_ansible,
    without_profile,
)

pytestmark = needs_ansible

EXAMPLES = Path(__file__).parents[2] / "inventory"

CASES = {
    "ini_features": ["ini_features/hosts.ini"],
    "yaml_features": ["yaml_features/hosts.yml"],
    "dir_mixed": ["dir_mixed"],
    "precedence": ["precedence"],
    "multi": ["multi/a/hosts.ini", "multi/b/hosts.yml"],
    "pending": ["pending/hosts.ini"],
    "host_list": ["alpha,beta:2222,[::1]:2200,localhost,"],
    "host_list_and_dir": ["alpha,beta:2222", "multi/a"],
    "patterns": ["patterns/hosts.ini"],
    "nested": ["nested/hosts.yml"],
    "examples": [str(EXAMPLES)],
    "example_ini": [str(EXAMPLES / "example.ini")],
}


def sources(case: str) -> list[str]:
    argv: list[str] = []
    for source in CASES[case]:
        argv += ["-i", source]
    return argv


def dockyard(args: list[str]) -> tuple[int, str, str]:
    """Run ``dockyard inventory ARGS`` in the inventories directory (in this process)."""
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(INVENTORIES)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["inventory", *args])
    finally:
        os.chdir(cwd)
    return code, out.getvalue(), err.getvalue()


def dockyard_out(args: list[str]) -> str:
    code, out, err = dockyard(args)
    assert code == 0, err
    return out


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.mark.parametrize("case", list(CASES))
def test_list(case: str, home: Path) -> None:
    expected = without_profile(ansible_inventory([*sources(case), "--list"], home))
    actual = dockyard_out([*sources(case), "--list"])
    assert json.loads(actual) == expected
    # and the text is Ansible's once the profile key is gone: key order, indent, escapes
    assert actual.rstrip("\n") == json.dumps(expected, sort_keys=True, indent=4)


@pytest.mark.parametrize("case", ["ini_features", "yaml_features", "dir_mixed", "multi"])
def test_list_export(case: str, home: Path) -> None:
    expected = ansible_inventory([*sources(case), "--list", "--export"], home)
    actual = dockyard_out([*sources(case), "--list", "--export"])
    assert json.loads(actual) == without_profile(expected)


@pytest.mark.parametrize("case", list(CASES))
def test_graph_with_vars(case: str, home: Path) -> None:
    args = [*sources(case), "--graph", "--vars"]
    assert dockyard_out(args) == ansible_inventory(args, home)


@pytest.mark.parametrize(("case", "group"), [("yaml_features", "web"), ("precedence", "top"),
                                             ("dir_mixed", "backend")])
def test_graph_of_one_group(case: str, group: str, home: Path) -> None:
    args = [*sources(case), "--graph", group]
    assert dockyard_out(args) == ansible_inventory(args, home)


@pytest.mark.parametrize(
    ("case", "host"),
    [("precedence", "h1"), ("precedence", "h2"), ("dir_mixed", "web01"), ("dir_mixed", "db02"),
     ("examples", "web01.example.com"), ("examples", "lab1"),
     ("multi", "shared01"), ("ini_features", "later-grouped"), ("yaml_features", "mon1"),
     ("host_list", "beta"), ("dir_mixed", "lab01")],
)
def test_host(case: str, host: str, home: Path) -> None:
    args = [*sources(case), "--host", host]
    assert dockyard_out(args) == ansible_inventory(args, home)


@pytest.mark.parametrize(("case", "limit"), [("ini_features", "prod:!db"),
                                             ("yaml_features", "web*:&monitoring"),
                                             ("dir_mixed", "backend[1:3]")])
def test_list_with_limit(case: str, limit: str, home: Path) -> None:
    args = [*sources(case), "--list", "--limit", limit]
    assert json.loads(dockyard_out(args)) == without_profile(ansible_inventory(args, home))


BROKEN = {
    "undefined_child.ini": "[web]\nw\n[prod:children]\nweb\nwbe\n",
    "undefined_vars.ini": "[web]\nw\n[ghost:vars]\nx=1\n",
    "bad_header.ini": "[web]\nw\n[web servers]\nx\n",
    "unknown_section.ini": "[web:child]\nw\n",
    "host_var_spaces.ini": "[web]\nw\nw2 port = 80\n",
    "bad_range.ini": "[web]\nw\nweb[01:x]\n",
    "vars_line.ini": "[web]\nw\n[web:vars]\nnovalue\n",
    "unclosed_quote.ini": "[web]\nw motd=\"oops\n",
    "group_loop.yml": "a:\n  children:\n    b:\n      children:\n        a:\n",
    "yaml_syntax.yml": "all:\n  hosts:\n  - [\n",
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_both_refuse_broken_inventories(name: str, home: Path, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(BROKEN[name])
    ansible = run_ansible(["ansible-inventory", "-i", str(path), "--list"], home)
    assert ansible.returncode != 0, ansible.stdout
    code, out, err = dockyard(["-i", str(path), "--list"])
    assert code == 1 and out == ""
    assert f"{path}:" in err and "= hint: " in err and "Traceback" not in err


STRICTER = {
    "unknown_key.yml": "web:\n  hots:\n    w1:\n",
    "group_not_mapping.yml": "web: w1\nok:\n  hosts: {h: }\n",
    "empty_range.ini": "[web]\nweb[5:1]\nh\n",
}


@pytest.mark.parametrize("name", list(STRICTER))
def test_dockyard_is_stricter_where_ansible_only_warns(name: str, home: Path,
                                                       tmp_path: Path) -> None:
    """Documented differences: Ansible warns (or silently drops hosts); dockyard refuses."""
    path = tmp_path / name
    path.write_text(STRICTER[name])
    ansible = run_ansible(["ansible-inventory", "-i", str(path), "--list"], home)
    assert ansible.returncode == 0
    code, _, err = dockyard(["-i", str(path), "--list"])
    assert code == 1 and f"{path}:" in err
