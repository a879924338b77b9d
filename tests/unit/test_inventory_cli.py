"""``dockyard inventory``: output shapes, errors through the real CLI, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockyard.cli.main import main
from tests.integration.cli import run_dockyard

INI = """\
solo x=1
[web]
web01 http_port=8080
web02
[db]
db01
[prod:children]
web
db
[prod:vars]
env=prod
[web:vars]
ansible_group_priority=2
"""


@pytest.fixture
def inv(tmp_path: Path) -> Path:
    path = tmp_path / "hosts.ini"
    path.write_text(INI)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["inventory", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_list(inv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-i", str(inv), "--list")
    data = json.loads(out)
    assert code == 0
    assert data["all"] == {"children": ["ungrouped", "prod"]}
    assert data["prod"] == {"children": ["web", "db"]}
    assert data["web"] == {"hosts": ["web01", "web02"]}
    assert data["_meta"]["hostvars"]["web01"] == {"env": "prod", "http_port": 8080}
    assert out.startswith('{\n    "_meta": {\n')  # sorted keys, indent 4, like Ansible


def test_list_with_limit_drops_hosts_and_empty_groups(inv: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "-i", str(inv), "--list", "--limit", "prod:!web02")
    data = json.loads(out)
    assert sorted(data["_meta"]["hostvars"]) == ["db01", "web01"]
    assert data["web"] == {"hosts": ["web01"]}
    assert "ungrouped" not in data


def test_list_export_shows_own_vars_and_group_vars(inv: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "-i", str(inv), "--list", "--export")
    data = json.loads(out)
    assert data["_meta"]["hostvars"] == {"solo": {"x": 1}, "web01": {"http_port": 8080}}
    assert data["prod"]["vars"] == {"env": "prod"}
    assert data["web"]["vars"] == {"ansible_group_priority": 2}


def test_graph(inv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "-i", str(inv), "--graph")
    assert out.splitlines() == [
        "@all:", "  |--@ungrouped:", "  |  |--solo", "  |--@prod:", "  |  |--@web:",
        "  |  |  |--web01", "  |  |  |--web02", "  |  |--@db:", "  |  |  |--db01",
    ]


def test_graph_of_a_group_with_vars(inv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "-i", str(inv), "--graph", "web", "--vars")
    assert out.splitlines() == [
        "@web:", "  |--web01", "  |  |--{env = prod}", "  |  |--{http_port = 8080}",
        "  |--web02", "  |  |--{env = prod}", "  |--{ansible_group_priority = 2}",
    ]


def test_host(inv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "-i", str(inv), "--host", "web01")
    assert json.loads(out) == {"env": "prod", "http_port": 8080}


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--host", "web"], ["exactly one host", "2 hosts"]),
        (["--host", "web1"], ["no host", "did you mean 'web01'"]),
        (["--graph", "wbe"], ["no group named 'wbe'", "did you mean 'web'"]),
    ],
)
def test_lookup_errors(inv: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                       words: list[str]) -> None:
    code, out, err = run(capsys, "-i", str(inv), *argv)
    assert code == 1 and out == ""
    for word in words:
        assert word in err


def test_default_inventory_is_dot_inventory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOCKYARD_INVENTORY", raising=False)
    code, _, err = run(capsys, "--list")
    assert code == 1 and "no inventory given" in err and "hint" in err
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "hosts.ini").write_text("[web]\nw1\n")
    code, out, _ = run(capsys, "--list")
    assert code == 0 and json.loads(out)["web"] == {"hosts": ["w1"]}


def test_warnings_go_to_stderr(inv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (inv.parent / "group_vars").mkdir()
    (inv.parent / "group_vars" / "wbe.yml").write_text("x: 1\n")
    code, out, err = run(capsys, "-i", str(inv), "--list")
    assert code == 0 and json.loads(out)
    assert "warning:" in err and "did you mean 'web'" in err


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", "--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "--graph web --vars" in out and "--limit" in out


def test_broken_file_through_the_real_cli(tmp_path: Path) -> None:
    """The issue's must-show: `dockyard inventory -i bad.ini` gives bad.ini:LINE and a hint."""
    (tmp_path / "bad.ini").write_text(
        "[web]\nweb01\nweb[01:x]\n[db:childs]\nd\n[prod:children]\nwbe\n")
    result = run_dockyard("inventory", "-i", "bad.ini", cwd=tmp_path, timeout=60)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    for expected in ("--> bad.ini:3:1", "--> bad.ini:4:5", "--> bad.ini:7:1",
                     "= hint: ranges look like", "did you mean 'children'?",
                     "did you mean 'web'?", "3 problems found"):
        assert expected in result.stderr, result.stderr


def test_without_an_action_the_graph_is_drawn(inv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-i", str(inv))
    assert code == 0 and out.startswith("@all:\n  |--@ungrouped:")
