"""pip on a lab host, offline: wheels the test writes on the controller are copied to the
host and installed with ``--no-index --find-links`` into a virtualenv (python3 -m venv)."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

from dockyard.connection import SSHConnection
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost
from tests.lab.docker import docker

PROJECT = "dockyard-demo"


def write_wheel(directory: Path, version: str) -> Path:
    """A minimal pure-Python wheel of ``dockyard-demo`` at ``version`` (PEP 427)."""
    tag = f"dockyard_demo-{version}"
    files = {
        "dockyard_demo/__init__.py": f"VERSION = {version!r}\n",
        f"{tag}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {PROJECT}\nVersion: {version}\n",
        f"{tag}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: dockyard-tests\nRoot-Is-Purelib: true\n"
                                  "Tag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    files[f"{tag}.dist-info/RECORD"] = "\n".join([*record, f"{tag}.dist-info/RECORD,,"]) + "\n"
    path = directory / f"{tag}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
    return path


def put_wheels(host: LabHost, tmp_path: Path, remote: str, versions: list[str]) -> None:
    local = tmp_path / "wheels"
    local.mkdir(exist_ok=True)
    host.exec(f"rm -rf {remote} && mkdir -p {remote}", check=True)
    for version in versions:
        docker("cp", str(write_wheel(local, version)), f"{host.container}:{remote}/")


def installed(host: LabHost, venv: str) -> str:
    """What the virtualenv holds, read with docker exec (not through dockyard)."""
    return host.exec(f"ls {venv}/bin/pip 2>&1; {venv}/bin/pip list --format=freeze "
                     f"--disable-pip-version-check 2>&1 | grep -i dockyard").stdout


def test_pip_contract_in_a_new_virtualenv(shared_host: LabHost, shared_conn: SSHConnection,
                                          tmp_path: Path) -> None:
    put_wheels(shared_host, tmp_path, "/srv/pip-contract/wheels", ["1.0", "2.0"])
    venv = "/srv/pip-contract/venv"
    shared_host.exec(f"rm -rf {venv}", check=True)
    base = {"virtualenv": venv, "virtualenv_command": "python3 -m venv",
            "extra_args": "--no-index --find-links /srv/pip-contract/wheels"}
    first, checked = assert_contract(
        shared_conn, "pip", {**base, "name": [PROJECT], "version": "1.0"},
        {**base, "name": [f"{PROJECT}==2.0"]}, lambda: installed(shared_host, venv))
    assert "dockyard-demo==1.0" in installed(shared_host, venv)
    assert [step.summary for step in first.steps] == [f"create virtualenv {venv}", f"pip install {PROJECT}==1.0"]
    assert [step.summary for step in checked.steps] == [f"pip install {PROJECT}==2.0"]


def test_latest_upgrades_by_pips_own_dry_run(shared_host: LabHost, shared_conn: SSHConnection,
                                             tmp_path: Path) -> None:
    put_wheels(shared_host, tmp_path, "/srv/pip-latest/wheels", ["1.0"])
    venv = "/srv/pip-latest/venv"
    shared_host.exec(f"rm -rf {venv} && python3 -m venv {venv}", check=True)
    args = {"name": [PROJECT], "virtualenv": venv, "state": "latest",
            "extra_args": "--no-index --find-links /srv/pip-latest/wheels"}
    assert run(shared_conn, "pip", args).changed
    assert not run(shared_conn, "pip", args).changed  # 1.0 is the latest there is
    put_wheels(shared_host, tmp_path, "/srv/pip-latest/wheels", ["1.0", "2.0"])
    before = installed(shared_host, venv)
    checked = run(shared_conn, "pip", args, check=True)
    assert checked.changed and installed(shared_host, venv) == before
    assert checked.steps[0].diff is not None and "2.0" in checked.steps[0].diff.after
    assert run(shared_conn, "pip", args).changed
    assert "dockyard-demo==2.0" in installed(shared_host, venv)
    assert not run(shared_conn, "pip", args).changed


def test_requirements_then_absent_with_executable(shared_host: LabHost, shared_conn: SSHConnection,
                                                  tmp_path: Path) -> None:
    put_wheels(shared_host, tmp_path, "/srv/pip-req/wheels", ["1.0"])
    venv = "/srv/pip-req/venv"
    shared_host.exec(f"rm -rf {venv} && python3 -m venv {venv} && "
                     f"echo '{PROJECT}>=1.0' > /srv/pip-req/requirements.txt", check=True)
    req = {"requirements": "/srv/pip-req/requirements.txt", "executable": f"{venv}/bin/pip",
           "extra_args": "--no-index --find-links /srv/pip-req/wheels"}
    assert run(shared_conn, "pip", req).changed
    assert not run(shared_conn, "pip", req).changed
    absent = {"name": [PROJECT], "state": "absent", "executable": f"{venv}/bin/pip"}
    before = installed(shared_host, venv)
    assert run(shared_conn, "pip", absent, check=True).changed and installed(shared_host, venv) == before
    assert run(shared_conn, "pip", absent).changed
    assert "dockyard" not in installed(shared_host, venv)
    assert not run(shared_conn, "pip", absent).changed
