"""Reading inventory sources: files, directories of them, and ``'host1,host2,'`` lists.

Each source given with ``-i`` is, in order:

* a string with a comma that is not an existing path: a list of hosts, each put in
  ``ungrouped`` (``'web01,web02:2222,'``; ``'localhost,'`` is a list of one);
* a directory: every entry, sorted by name, read as a source, except hidden entries,
  ``group_vars``, ``host_vars``, ``vars_plugins`` and files ending in ``.md .txt .rst
  .bak .swp .orig .cfg .retry .rpm .pyc .pyo ~`` (Ansible's list);
* a ``.yml``/``.yaml``/``.json`` file: a YAML inventory, or an inventory plugin's
  configuration when it has a top-level ``plugin:`` key (``.yml``/``.yaml`` only);
* a file without extension: YAML when it parses as a mapping of groups, INI otherwise;
* any other file: INI.

Then ``group_vars/`` and ``host_vars/`` next to each source (the directory itself, or
the file's directory) are read. Every problem found on the way is collected; at the
end :func:`load_inventory` raises them together (one :class:`~dockyard.errors.InventoryError`
or a :class:`~dockyard.errors.DiagnosticsError`), each with its ``file:line:col`` and a hint.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from dockyard.errors import Diagnostics, DiagnosticsError, DockyardError, InventoryError
from dockyard.inventory.checks import check_connection_vars
from dockyard.inventory.ini import parse_ini
from dockyard.inventory.model import LOCALHOST_NAMES, Group, Host, Inventory
from dockyard.inventory.plugins import run_plugin
from dockyard.inventory.ranges import split_port
from dockyard.inventory.varsfiles import VarsDir, VarsLayer, load_data_file
from dockyard.inventory.yamlfile import looks_like_yaml_inventory, parse_yaml_inventory
from dockyard.source import Span, did_you_mean, load_yaml, span_of

__all__ = ["IGNORED_SUFFIXES", "load_inventory"]

IGNORED_NAMES = frozenset({"host_vars", "group_vars", "vars_plugins"})
IGNORED_SUFFIXES = (".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst",
                    ".orig", ".cfg", ".retry")
YAML_SUFFIXES = (".yml", ".yaml", ".json")
_YAML_LOOK = re.compile(r"^(---|[\w.-]+:\s*(#.*)?$)")


def load_inventory(sources: Sequence[str | Path]) -> Inventory:
    """Read every source into one :class:`Inventory`; raise all problems at once."""
    inventory = Inventory()
    diagnostics = Diagnostics()
    vars_dirs: dict[str, VarsDir] = {}
    for source in sources:
        text = str(source)
        _load_source(inventory, text, diagnostics)
        inventory.sources.append(text)
        place = _vars_place(text)
        if place is not None:
            key = os.path.realpath(place)
            inventory.vars_dirs.append(vars_dirs.setdefault(key, VarsDir(place)))
    inventory.reconcile()
    _load_vars_files(inventory, diagnostics)
    _check_connection_vars(inventory, diagnostics)
    diagnostics.errors.sort(key=_position)
    diagnostics.raise_if_any()
    return inventory


def _position(error: DockyardError) -> tuple[str, int, int]:
    span = error.span
    return ("", 0, 0) if span is None else (span.file, span.line, span.col)


def _add(diagnostics: Diagnostics, error: DockyardError) -> None:
    for each in error if isinstance(error, DiagnosticsError) else [error]:
        diagnostics.add(each)


def _is_host_list(source: str) -> bool:
    return "," in source and not os.path.exists(source)


def _vars_place(source: str) -> Path | None:
    if _is_host_list(source) or not os.path.exists(source):
        return None
    path = Path(source)
    return path if path.is_dir() else path.parent


def _load_source(inventory: Inventory, source: str, diagnostics: Diagnostics) -> None:
    if _is_host_list(source):
        _load_host_list(inventory, source)
    elif os.path.isdir(source):
        for name in sorted(os.listdir(source)):
            if not _is_ignored(name):
                _load_source(inventory, os.path.join(source, name), diagnostics)
    elif os.path.exists(source):
        try:
            _load_file(inventory, Path(source), diagnostics)
        except DockyardError as error:
            _add(diagnostics, error)
    else:
        diagnostics.add(InventoryError(f"inventory source {source!r} does not exist",
                                       hint=_missing_hint(source)))


def _missing_hint(source: str) -> str:
    if os.sep in source or Path(source).suffix in (*YAML_SUFFIXES, ".ini"):
        return f"check the path (relative to {os.getcwd()})"
    return f"for a single host, write a host list with a trailing comma: -i '{source},'"


def _is_ignored(name: str) -> bool:
    return name.startswith(".") or name in IGNORED_NAMES or name.endswith(IGNORED_SUFFIXES)


def _load_host_list(inventory: Inventory, source: str) -> None:
    for entry in (item.strip() for item in source.split(",")):
        if not entry or entry in inventory.hosts:
            continue
        try:
            name, port = split_port(entry, allow_ranges=False)
        except ValueError:
            name, port = entry, None
        if name not in inventory.hosts:
            host = inventory.ensure_host(name, port=port, source=source)
            inventory.add_member(inventory.groups["ungrouped"], host)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InventoryError("file is not valid UTF-8 text", span=Span(str(path), 1),
                             hint="save it as UTF-8") from None
    except OSError as exc:
        raise InventoryError(f"cannot read {path}: {exc.strerror}") from None


def _load_file(inventory: Inventory, path: Path, diagnostics: Diagnostics) -> None:
    if path.suffix == ".toml":
        raise InventoryError("TOML inventories are not supported", span=Span(str(path), 1),
                             hint="write it as INI or YAML (ansible-inventory -i FILE --list -y "
                             "converts it)")
    text = _read_text(path)
    if text.startswith("#!") and os.access(path, os.X_OK):
        raise InventoryError("dockyard does not run inventory scripts", span=Span(str(path), 1),
                             hint="save the script's output: ./script --list > inventory.json, "
                             "or write an inventory plugin")
    if path.suffix in YAML_SUFFIXES:
        _load_yaml_file(inventory, path, diagnostics)
    elif path.suffix:
        parse_ini(inventory, path, text, diagnostics)
    else:
        _load_unknown(inventory, path, text, diagnostics)


def _load_yaml_file(inventory: Inventory, path: Path, diagnostics: Diagnostics) -> None:
    data = load_data_file(path)
    if data is None:
        return
    if not isinstance(data, Mapping):
        raise InventoryError("a YAML inventory must be a mapping of group names",
                             span=span_of(data) or Span(str(path), 1),
                             hint="start with 'all:' and put 'hosts:', 'children:' or 'vars:' under it")
    if data.get("plugin"):
        if path.suffix == ".json":
            raise InventoryError("an inventory plugin configuration must be a .yml or .yaml file",
                                 span=Span(str(path), 1), hint=f"rename it to {path.stem}.yml")
        run_plugin(inventory, data, path, diagnostics)
        return
    parse_yaml_inventory(inventory, data, str(path), diagnostics)


def _load_unknown(inventory: Inventory, path: Path, text: str, diagnostics: Diagnostics) -> None:
    """A file without extension: YAML when it is a YAML inventory, else INI."""
    try:
        data = load_yaml(text, str(path))
    except DockyardError as error:
        if _looks_like_yaml(text):
            raise error from None
        data = None
    if data and looks_like_yaml_inventory(data) and not data.get("plugin"):
        parse_yaml_inventory(inventory, data, str(path), diagnostics)
    else:
        parse_ini(inventory, path, text, diagnostics)


def _looks_like_yaml(text: str) -> bool:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and stripped[0] not in "#;":
            return bool(_YAML_LOOK.match(stripped))
    return False


def _load_vars_files(inventory: Inventory, diagnostics: Diagnostics) -> None:
    for vars_dir in dict.fromkeys(inventory.vars_dirs):
        for name in inventory.groups:
            try:
                vars_dir.group(name)
            except DockyardError as error:
                _add(diagnostics, error)
        for name in inventory.hosts:
            try:
                vars_dir.host(name)
            except DockyardError as error:
                _add(diagnostics, error)
        _warn_unused(inventory, vars_dir)


def _warn_unused(inventory: Inventory, vars_dir: VarsDir) -> None:
    for kind, known in (("group_vars", list(inventory.groups)),
                        ("host_vars", [*inventory.hosts, *LOCALHOST_NAMES])):
        for name in vars_dir.file_names(kind):
            close = None if name in known else did_you_mean(name, known)
            if close:  # a likely typo; other names may belong to another inventory
                what = "group" if kind == "group_vars" else "host"
                inventory.warnings.append(InventoryError(
                    f"{vars_dir.path / kind / name} matches no {what} of the inventory",
                    hint=close))


def _check_connection_vars(inventory: Inventory, diagnostics: Diagnostics) -> None:
    places: list[Host | Group] = [*inventory.hosts.values(), *inventory.groups.values()]
    for place in places:
        for problem in check_connection_vars(place.vars, place.origins):
            diagnostics.add(problem)
    for vars_dir in dict.fromkeys(inventory.vars_dirs):
        for name in inventory.groups:
            _check_layer(vars_dir.group, name, diagnostics)
        for name in inventory.hosts:
            _check_layer(vars_dir.host, name, diagnostics)


def _check_layer(lookup: Callable[[str], VarsLayer | None], name: str,
                 diagnostics: Diagnostics) -> None:
    try:
        layer = lookup(name)
    except DockyardError:
        return
    if layer is not None:
        for problem in check_connection_vars(layer.values, layer.origins):
            diagnostics.add(problem)
