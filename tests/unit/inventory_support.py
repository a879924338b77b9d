"""Write an inventory file in a test's tmp dir and load it (or collect what it refuses)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.errors import DiagnosticsError, DockyardError
from dockyard.inventory.load import load_inventory
from dockyard.inventory.model import Inventory


def load_text(tmp_path: Path, text: str, name: str) -> Inventory:
    path = tmp_path / name
    path.write_text(text)
    return load_inventory([path])


def load_problems(tmp_path: Path, text: str, name: str) -> list[DockyardError]:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(DockyardError) as info:
        load_inventory([path])
    error = info.value
    return list(error) if isinstance(error, DiagnosticsError) else [error]
