"""`dockyard image build` without building: a cached recipe is found by its hash at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.cli.main import main
from dockyard.vm.image_build import ImageRecipe


def test_a_cached_recipe_prints_its_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cached = tmp_path / ImageRecipe(with_docker=True, packages=("htop",)).file_name()
    cached.write_bytes(b"QFI\xfb")
    assert main(["image", "build", "--with-docker", "--package", "htop", "--cache-dir", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(cached)
    assert "cached" in captured.err


def test_image_needs_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["image"]) == 1  # a usage error: 1, as for every command (argparse alone says 2)
    assert "build" in capsys.readouterr().err
