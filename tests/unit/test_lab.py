"""Lab files: which labs a playbook declares, and the lab's own key pair."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dockyard.errors import PlaybookError
from dockyard.lab import find_labs, lab_home, lab_key, lab_variables
from dockyard.playbook.load import load_playbook


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lab.yml"
    path.write_text(text)
    return path


def test_labs_are_read_from_the_vm_tasks(tmp_path: Path) -> None:
    path = write(tmp_path, """\
- hosts: localhost
  gather_facts: false
  tasks:
    - vm:
        lab: demo
        provider_options: {uri: "qemu:///session"}
        user: admin
        machines: [{name: m1}, {name: w1}]
    - dockyard.vm: {lab: demo, name: w2, provider_options: {uri: "qemu:///session"}}
- hosts: m1
  tasks:
    - ping:
""")
    (lab,) = find_labs(load_playbook(path))
    assert (lab.name, lab.provider, dict(lab.options), lab.user) == ("demo", "libvirt", {"uri": "qemu:///session"},
                                                                       "admin")
    assert lab.machines == ("m1", "w1", "w2")


@pytest.mark.parametrize(("task", "message"), [
    ("vm: {name: m1}", "needs a `lab:` name"),
    ("vm: {name: m1, lab: '{{ which }}'}", "must be a literal value"),
    ("ping:", "declares no machines"),
])
def test_what_is_not_a_lab_is_said(tmp_path: Path, task: str, message: str) -> None:
    path = write(tmp_path, f"- hosts: localhost\n  tasks:\n    - {task}\n")
    with pytest.raises(PlaybookError, match=message):
        find_labs(load_playbook(path))


def test_the_lab_key_is_made_once_private_and_passed_as_variables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKYARD_HOME", str(tmp_path))
    first = lab_key("demo")
    assert first.private == tmp_path / "labs" / "demo" / "id_ed25519" == lab_home("demo") / "id_ed25519"
    assert stat.S_IMODE(first.private.stat().st_mode) == 0o600
    assert first.public.startswith("ssh-ed25519 ") and first.public.endswith("dockyard-lab-demo")
    assert lab_key("demo") == first  # not regenerated
    assert lab_variables("demo") == {"dockyard_lab_name": "demo", "dockyard_lab_key": str(first.private),
                                     "dockyard_lab_public_key": first.public}
