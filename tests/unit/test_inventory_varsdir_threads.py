"""``group_vars/`` next to a playbook is read while hosts' threads run their tasks: a host
asking for a group's variables while another host's thread is reading the file must get
them, never "no variables" (CI saw ``'role_kind' is undefined`` for one host of two, from
``tests/compat/playbooks/12_vars``), and a file that cannot be read fails every host alike."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from dockyard.errors import DockyardError
from dockyard.inventory import varsfiles
from dockyard.inventory.varsfiles import VarsDir, VarsLayer


def _vars_dir(tmp_path: Path, text: str) -> VarsDir:
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "web.yml").write_text(text)
    return VarsDir(tmp_path)


def test_a_host_asking_while_another_reads_the_file_gets_its_variables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vars_dir = _vars_dir(tmp_path, "role_kind: web\n")
    reading, release = threading.Event(), threading.Event()
    real_load = varsfiles.load_data_file

    def slow_load(path: Path) -> Any:
        reading.set()
        release.wait(10)
        return real_load(path)

    monkeypatch.setattr(varsfiles, "load_data_file", slow_load)
    got: dict[str, VarsLayer | None] = {}

    def ask(who: str) -> None:
        got[who] = vars_dir.group("web")

    first = threading.Thread(target=ask, args=("first",))
    first.start()
    assert reading.wait(10)
    second = threading.Thread(target=ask, args=("second",))
    second.start()
    second.join(0.5)  # without the lock it has its (wrong) answer by now
    release.set()
    first.join(10)
    second.join(10)
    assert {who: layer.values if layer else None for who, layer in got.items()} == {
        "first": {"role_kind": "web"}, "second": {"role_kind": "web"}}


def test_a_file_that_cannot_be_read_fails_every_host_with_its_own_error(tmp_path: Path) -> None:
    vars_dir = _vars_dir(tmp_path, "role_kind: [web\n")
    caught: list[DockyardError] = []

    def ask() -> None:
        try:
            vars_dir.group("web")
        except DockyardError as error:
            error.host = threading.current_thread().name  # as the engine marks a host's error
            caught.append(error)

    threads = [threading.Thread(target=ask, name=f"web{n}") for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(caught) == 4 and len({id(error) for error in caught}) == 4
    assert sorted(str(error.host) for error in caught) == ["web0", "web1", "web2", "web3"]
    assert len({error.message for error in caught}) == 1 and "web.yml" in str(caught[0].span)
