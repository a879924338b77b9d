from __future__ import annotations

import pytest

from dockyard.cli.main import main
from dockyard.modules.registry import find_module, known_names


def test_every_module_is_documented_and_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["modules"]) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines()}
    assert listed == set(known_names())
    for name in known_names():
        cls = find_module(name)
        assert cls is not None
        assert main(["modules", name]) == 0
        text = capsys.readouterr().out
        assert cls.name in text.splitlines()[0], f"{name}: module docstring missing"
        assert "Arguments" in text


def test_unknown_module_has_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["modules", "lineinfle"]) == 1
    assert "did you mean 'lineinfile'?" in capsys.readouterr().err
