"""Sources: directories, file kinds, host lists, group_vars/host_vars, plugins, errors."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from dockyard.errors import Diagnostics, DiagnosticsError, DockyardError
from dockyard.inventory import Inventory, load_inventory
from dockyard.inventory.plugins import PLUGINS, register_plugin
from dockyard.source import render_error


def write(base: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return base


def problems(sources: list[str | Path]) -> list[DockyardError]:
    with pytest.raises(DockyardError) as info:
        load_inventory(sources)
    error = info.value
    return list(error) if isinstance(error, DiagnosticsError) else [error]


def test_directory_reads_files_sorted_and_skips_ignored(tmp_path: Path) -> None:
    write(tmp_path, {
        "20-db.yml": "db:\n  hosts:\n    db01:\n",
        "10-web.ini": "[web]\nweb01\n",
        "README.md": "# not an inventory [at all\n",
        "notes.txt": "nor this = x y\n",
        "old.ini.bak": "[junk]\n",
        ".hidden": "[junk]\n",
        "sub/30-nested.ini": "[nested]\nn1\n",
        "group_vars/web.yml": "x: 1\n",
    })
    inventory = load_inventory([tmp_path])
    assert list(inventory.hosts) == ["web01", "db01", "n1"]
    assert "junk" not in inventory.groups
    assert inventory.get_vars("web01") == {"x": 1}


def test_extensionless_files_are_yaml_or_ini_by_content(tmp_path: Path) -> None:
    write(tmp_path, {
        "hosts": "[web]\nweb01\n",
        "lab": "# yaml without extension\nlab:\n  hosts:\n    lab01:\n      v: 1\n",
        "ports": "single:2222\n",
    })
    inventory = load_inventory([tmp_path / "hosts", tmp_path / "lab", tmp_path / "ports"])
    assert inventory.get_vars("lab01") == {"v": 1}
    assert [h.name for h in inventory.groups["web"].hosts] == ["web01"]
    assert inventory.get_vars("single") == {"ansible_port": 2222}


def test_extensionless_broken_yaml_reports_the_yaml_error(tmp_path: Path) -> None:
    write(tmp_path, {"inv": "all:\n  hosts:\n   - [\n"})
    [error] = problems([tmp_path / "inv"])
    assert "YAML syntax error" in render_error(error)


def test_host_list_source(tmp_path: Path) -> None:
    inventory = load_inventory(["web01, web02:2222,[::1]:2200,web[1:2],", "solo,"])
    assert list(inventory.hosts) == ["web01", "web02", "::1", "web[1:2]", "solo"]
    assert inventory.get_vars("web02") == {"ansible_port": 2222}
    assert inventory.get_vars("::1") == {"ansible_port": 2200}
    assert inventory.group_names("solo") == ["ungrouped"]


def test_sources_combine_in_order(tmp_path: Path) -> None:
    write(tmp_path, {"a.ini": "[web]\nw1 x=a\n", "b.yml": "web:\n  hosts:\n    w1: {x: b}\n    w2:\n"})
    inventory = load_inventory([tmp_path / "a.ini", tmp_path / "b.yml"])
    assert inventory.get_vars("w1") == {"x": "b"}
    assert [h.name for h in inventory.groups["web"].hosts] == ["w1", "w2"]
    assert inventory.sources == [str(tmp_path / "a.ini"), str(tmp_path / "b.yml")]


@pytest.mark.parametrize(
    ("files", "source", "words"),
    [
        ({}, "missing.ini", ["does not exist", "check the path"]),
        ({"inv.toml": "[web]\n"}, "inv.toml", ["TOML", "INI or YAML"]),
        ({"plug.json": '{"plugin": "x"}'}, "plug.json", [".yml or .yaml", "plug.yml"]),
        ({"plug.yml": "plugin: openstak\n"}, "plug.yml", ["unknown inventory plugin 'openstak'"]),
        ({"inv.yml": "'just a string'\n"}, "inv.yml", ["mapping of group names"]),
    ],
)
def test_source_errors(tmp_path: Path, files: dict[str, str], source: str,
                       words: list[str]) -> None:
    write(tmp_path, files)
    [error] = problems([tmp_path / source])
    text = render_error(error)
    assert "= hint: " in text
    for word in words:
        assert word in text, text


def test_a_lone_host_name_gets_the_trailing_comma_hint() -> None:
    [error] = problems(["web01"])
    assert error.hint == "for a single host, write a host list with a trailing comma: -i 'web01,'"


def test_inventory_scripts_are_not_run(tmp_path: Path) -> None:
    script = tmp_path / "inv.sh"
    marker = tmp_path / "ran"
    script.write_text(f"#!/bin/sh\ntouch {marker}\necho '{{}}'\n")
    os.chmod(script, 0o755)
    [error] = problems([script])
    assert "does not run inventory scripts" in error.message
    assert not marker.exists()


class FakeCloud:
    """A stand-in plugin (named as such): proves dispatch, not any real cloud."""

    names: tuple[str, ...] = ("fakecloud", "example.fake.cloud")

    def populate(self, inventory: Inventory, config: Mapping[str, Any], path: Path,
                 diagnostics: Diagnostics) -> None:
        for name in config.get("servers", []):
            inventory.add_member(inventory.ensure_group("cloud"), inventory.ensure_host(name))


def test_plugin_configuration_dispatches_by_name(tmp_path: Path) -> None:
    register_plugin(FakeCloud())
    try:
        write(tmp_path, {"c.yml": "plugin: example.fake.cloud\nservers: [s1, s2]\n"})
        inventory = load_inventory([tmp_path / "c.yml"])
        assert [h.name for h in inventory.select("cloud")] == ["s1", "s2"]
    finally:
        for name in FakeCloud.names:
            PLUGINS.pop(name, None)


def test_group_vars_and_host_vars_files_and_directories(tmp_path: Path) -> None:
    write(tmp_path, {
        "hosts.ini": "[web]\nweb01\nweb02\n",
        "group_vars/all.yml": "a: all\n",
        "group_vars/web/10.yml": "w: ten\nshared: ten\n",
        "group_vars/web/20.json": '{"shared": "twenty"}',
        "group_vars/web/30": "plain: yes\n",
        "group_vars/web/deeper/40.yaml": "deep: 1\n",
        "group_vars/web/skip.txt": "skip: 1\n",
        "group_vars/web/.hidden.yml": "skip: 1\n",
        "group_vars/web/backup.yml~": "skip: 1\n",
        "host_vars/web01": "h: no-extension\n",
        "host_vars/web01.yml": "h: never-read\n",
        "host_vars/web02.json": '{"h": "json"}',
    })
    inventory = load_inventory([tmp_path / "hosts.ini"])
    assert inventory.get_vars("web01") == {
        "a": "all", "w": "ten", "shared": "twenty", "plain": True, "deep": 1, "h": "no-extension"}
    assert inventory.get_vars("web02")["h"] == "json"


def test_json_vars_file_that_yaml_rejects_is_read_as_json(tmp_path: Path) -> None:
    write(tmp_path, {"hosts.ini": "[web]\nw\n", "group_vars/web.json": '{\t"x":\t1\n}'})
    assert load_inventory([tmp_path / "hosts.ini"]).get_vars("w") == {"x": 1}


def test_vars_file_errors_are_collected(tmp_path: Path) -> None:
    write(tmp_path, {
        "hosts.ini": "[web]\nw\n[db]\nd\n",
        "group_vars/web.yml": "- a list\n",
        "group_vars/db.yml": "x: 1\nx: 2\n",
        "host_vars/w.yml": "ansible_connection: winrm\n",
        "host_vars/d.json": "{bad json",
    })
    found = problems([tmp_path / "hosts.ini"])
    texts = [render_error(e) for e in found]
    assert len(found) == 4, texts
    assert any("web.yml:1" in t and "mapping of variable names" in t for t in texts)
    assert any("db.yml:2" in t and "duplicate key 'x'" in t for t in texts)
    assert any("w.yml:1" in t and "ansible_connection 'winrm'" in t for t in texts)
    assert any("d.json" in t for t in texts)


def test_unused_vars_files_are_warnings(tmp_path: Path) -> None:
    write(tmp_path, {"hosts.ini": "[web]\nw\n", "group_vars/wbe.yml": "x: 1\n",
                     "host_vars/localhost.yml": "y: 1\n"})
    inventory = load_inventory([tmp_path / "hosts.ini"])
    [warning] = inventory.warnings
    assert "wbe" in warning.message and warning.hint == "did you mean 'web'?"


def test_only_the_source_directory_has_vars_dirs(tmp_path: Path) -> None:
    write(tmp_path, {"inv/sub/hosts.ini": "[web]\nw\n", "inv/sub/group_vars/web.yml": "x: 1\n",
                     "inv/group_vars/web.yml": "y: 2\n"})
    assert load_inventory([tmp_path / "inv"]).get_vars("w") == {"y": 2}
