"""``group_vars/`` and ``host_vars/`` next to an inventory source.

For a group or host called NAME, the first of these that exists is read (Ansible's
order, so a directory wins over files)::

    group_vars/NAME/          every file below it, sorted, recursively: no extension,
                              .yml, .yaml or .json; hidden files and ``*~`` are skipped
    group_vars/NAME
    group_vars/NAME.yml
    group_vars/NAME.yaml
    group_vars/NAME.json

Each file holds a mapping of variable names to values (YAML or JSON; values keep
their types). Files of one directory are merged in sorted order, later keys winning.
Empty files are fine. Names starting with ``/`` are never looked up.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dockyard.errors import DiagnosticsError, DockyardError, InventoryError
from dockyard.inventory.model import Origin
from dockyard.source import MarkedDict, Span, load_yaml, span_of

__all__ = ["VARS_EXTENSIONS", "VarsDir", "VarsLayer", "load_data_file", "mapping_of_vars"]

VARS_EXTENSIONS = (".yml", ".yaml", ".json")


@dataclass(frozen=True)
class VarsLayer:
    """Variables read from one place (a file, or a directory of files), with origins."""

    label: str
    values: Mapping[str, Any]
    origins: Mapping[str, Origin]


def load_data_file(path: Path) -> Any:
    """Parse a YAML or JSON file, keeping spans; JSON that YAML rejects is read as JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InventoryError("file is not valid UTF-8 text", span=Span(str(path), 1),
                             hint="save it as UTF-8") from None
    except OSError as exc:
        raise InventoryError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return load_yaml(text, str(path))
    except DockyardError:
        if path.suffix != ".json":
            raise
        try:
            return json.loads(text)
        except ValueError:
            raise InventoryError("invalid JSON", span=Span(str(path), 1),
                                 hint="check commas, quotes and brackets") from None


def mapping_of_vars(data: Any, file: str, what: str) -> tuple[dict[str, Any], dict[str, Origin]]:
    """Check that ``data`` maps string names to values; return values and their origins."""
    if not isinstance(data, Mapping):
        raise InventoryError(
            f"{what} must be a mapping of variable names to values, not {_kind(data)}",
            span=span_of(data) or Span(file, 1),
            hint="write one 'name: value' per line",
        )
    values: dict[str, Any] = {}
    origins: dict[str, Origin] = {}
    for key, value in data.items():
        key_span = data.key_span(key) if isinstance(data, MarkedDict) else Span(file, 1)
        if not isinstance(key, str):
            raise InventoryError(f"variable name {key!r} is not a string", span=key_span,
                                 hint="variable names are words like 'http_port'; quote it")
        values[key] = value
        origins[key] = Origin(key_span)
    return values, origins


def _kind(data: Any) -> str:
    if isinstance(data, list):
        return "a list"
    if isinstance(data, str):
        return "a string"
    return f"a {type(data).__name__}"


class VarsDir:
    """The ``group_vars/`` and ``host_vars/`` of one inventory directory, read on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cache: dict[tuple[str, str], VarsLayer | DockyardError | None] = {}
        # Hosts' threads read a playbook's group_vars/ as their tasks come: one reads a file
        # while the others wait for it, never see it half-read.
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"VarsDir({str(self.path)!r})"

    def group(self, name: str) -> VarsLayer | None:
        """The variables ``group_vars/`` gives group ``name``, or None."""
        return self._layer("group_vars", name)

    def host(self, name: str) -> VarsLayer | None:
        """The variables ``host_vars/`` gives host ``name``, or None."""
        return self._layer("host_vars", name)

    def file_names(self, kind: str) -> list[str]:
        """Names that have a file or directory in ``kind`` (``group_vars``/``host_vars``)."""
        base = self.path / kind
        if not base.is_dir():
            return []
        names = []
        for entry in sorted(base.iterdir()):
            if entry.name.startswith(".") or entry.name.endswith("~"):
                continue
            stem = entry.name[: -len(entry.suffix)] if entry.suffix in VARS_EXTENSIONS else entry.name
            names.append(stem)
        return names

    def _layer(self, kind: str, name: str) -> VarsLayer | None:
        """The layer, read once; a file that cannot be read fails every lookup alike."""
        key = (kind, name)
        with self._lock:
            if key not in self._cache:
                try:
                    self._cache[key] = self._read(kind, name)
                except DockyardError as error:
                    self._cache[key] = error
            found = self._cache[key]
        if isinstance(found, DockyardError):
            raise copy.copy(found).with_traceback(None)  # each host its own (``error.host`` is set)
        return found

    def _read(self, kind: str, name: str) -> VarsLayer | None:
        base = self.path / kind
        if name.startswith("/") or not base.is_dir():
            return None
        files = _find_files(base, name)
        if not files:
            return None
        values: dict[str, Any] = {}
        origins: dict[str, Origin] = {}
        errors: list[DockyardError] = []
        for file in files:
            try:
                data = load_data_file(file)
                if data is None:
                    continue
                file_values, file_origins = mapping_of_vars(data, str(file), f"{kind} file")
            except DockyardError as error:
                errors.append(error)
                continue
            values.update(file_values)
            origins.update(file_origins)
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise DiagnosticsError(errors)
        label = str(files[0]) if len(files) == 1 else f"{base / name}/"
        return VarsLayer(label, values, origins)


def _find_files(base: Path, name: str) -> list[Path]:
    for candidate in (base / name, *(base / f"{name}{ext}" for ext in VARS_EXTENSIONS)):
        if candidate.is_dir():
            return _files_below(candidate)
        if candidate.exists():
            return [candidate]
    return []


def _files_below(directory: Path) -> list[Path]:
    found: list[Path] = []
    for entry in sorted(directory.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or entry.name.endswith("~"):
            continue
        if entry.is_dir() and not entry.suffix:
            found.extend(_files_below(entry))
        elif entry.is_file() and (not entry.suffix or entry.suffix in VARS_EXTENSIONS):
            found.append(entry)
    return found
