"""``dockyard check-syntax``: every load error of every file, rendered, before any connection."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dockyard.cli.main import main

DATA = Path(__file__).parent / "data" / "playbooks"


def test_three_errors_in_two_files_are_all_shown_with_caret() -> None:
    """The issue's must-show, through the real command line (a new Python process)."""
    run = subprocess.run([sys.executable, "-m", "dockyard.cli.main", "check-syntax", "site.yml"],
                         cwd=DATA / "three_errors", capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    assert run.returncode == 1
    assert run.stdout == ""
    blocks = run.stderr.strip().split("\n\n")
    assert blocks[-1] == "error: 3 problems found; nothing was done"
    expected = [
        ("'becom' is not a valid play keyword", "site.yml:5:3", "  becom: true", 3),
        ("unknown argument 'mdoe' for module 'file'", "tasks/setup.yml:5:5", '    mdoe: "0755"', 5),
        ("'retries' must be a whole number, got 'many'", "site.yml:12:16", "      retries: many", 16),
    ]
    assert len(blocks) == 1 + len(expected)
    for block, (message, where, source, col) in zip(blocks[:-1], expected, strict=True):
        lines = block.splitlines()
        assert lines[0] == f"error: {message}"
        assert lines[1] == f"  --> {where}"
        number = where.split(":")[1]
        assert lines[3] == f" {number} | {source}"
        caret = lines[4].split("| ", 1)[1]
        assert caret == " " * (col - 1) + "^"


def test_ok_playbook_prints_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "roles" / "web" / "tasks").mkdir(parents=True)
    (tmp_path / "roles" / "web" / "tasks" / "main.yml").write_text("- file: path=/srv state=directory\n")
    (tmp_path / "site.yml").write_text(textwrap.dedent("""\
        - hosts: web
          roles: [web]
          tasks:
            - name: marker
              file: path=/srv/marker state=touch
              notify: done
          handlers:
            - name: done
              file: path=/srv/done state=touch
        """))
    code = main(["check-syntax", str(tmp_path / "site.yml"), "--list-tasks"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (f"{tmp_path / 'site.yml'}: 1 play, 2 tasks, 1 handler, 1 role: "
                                   "no problems found")
    assert re.search(r"web : file  \[file\]  .*roles/web/tasks/main.yml:1:3", out)
    assert re.search(r"^    marker  \[file\]  .*site.yml:4:7$", out, re.M)


def test_errors_of_several_playbooks_are_reported_together(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.yml").write_text("- hosts: all\n  becom: true\n")
    (tmp_path / "b.yml").write_text("- hosts: all\n  tasks:\n    - frobnicate_widget: {}\n")
    code = main(["check-syntax", str(tmp_path / "a.yml"), str(tmp_path / "b.yml")])
    _, err = capsys.readouterr()
    assert code == 1
    assert f"--> {tmp_path / 'a.yml'}:2:3" in err
    assert f"--> {tmp_path / 'b.yml'}:3:7" in err
    assert "2 problems found" in err


def test_a_single_error_is_rendered_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "site.yml").write_text("- hosts: all\n  tasks:\n    - file: path=/x\n      whn: x\n")
    code = main(["check-syntax", str(tmp_path / "site.yml")])
    _, err = capsys.readouterr()
    assert code == 1
    assert err.splitlines()[:2] == ["error: 'whn' is not a valid task keyword",
                                    f"  --> {tmp_path / 'site.yml'}:4:7"]
    assert "= hint: did you mean 'when'?" in err


def test_without_an_inventory_a_play_runs_on_the_implicit_localhost(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """As in Ansible: `hosts: localhost` needs no inventory (a `vm` play usually has none)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOCKYARD_INVENTORY", raising=False)
    (tmp_path / "site.yml").write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n"
                                       "    - debug: {msg: 'hello from {{ inventory_hostname }}'}\n")
    assert main(["play", "site.yml"]) == 0
    captured = capsys.readouterr()
    assert "only the implicit localhost is available" in captured.err
    assert "hello from localhost" in captured.out
    assert main(["inventory", "--list"]) == 1  # other commands still need one
