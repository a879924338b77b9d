from __future__ import annotations

from pathlib import Path

import paramiko
import pytest

from dockyard.connection.hostkeys import fingerprint
from dockyard.connection.spec import ConnectionOptions, spec_from_vars
from dockyard.connection.ssh import parse_jump
from dockyard.errors import ConnectError


@pytest.fixture
def ssh_config(tmp_path: Path) -> Path:
    path = tmp_path / "config"
    path.write_text(
        "Host web1\n  HostName 127.0.0.5\n  User deploy\n  Port 2222\n"
        "  IdentityFile " + str(tmp_path / "id_web") + "\n  ProxyJump jump@bastion:2200\n"
    )
    (tmp_path / "id_web").write_text("not read here")
    return path


def test_ssh_config_fills_what_the_inventory_leaves_open(ssh_config: Path, tmp_path: Path) -> None:
    spec = spec_from_vars("web1", {}, ConnectionOptions(ssh_config=ssh_config))
    assert (spec.address, spec.port, spec.user) == ("127.0.0.5", 2222, "deploy")
    assert spec.key_files == (str(tmp_path / "id_web"),)
    assert spec.proxy_jump == "jump@bastion:2200"


def test_inventory_vars_win_over_cli_and_ssh_config(ssh_config: Path) -> None:
    options = ConnectionOptions(ssh_config=ssh_config, user="cli-user", private_key="/cli/key")
    spec = spec_from_vars(
        "web1",
        {"ansible_user": "inv-user", "ansible_port": "2200", "ansible_ssh_private_key_file": "/inv/key"},
        options,
    )
    assert (spec.user, spec.port, spec.key_files) == ("inv-user", 2200, ("/inv/key",))


def test_cli_user_wins_over_ssh_config(ssh_config: Path) -> None:
    spec = spec_from_vars("web1", {}, ConnectionOptions(ssh_config=ssh_config, user="cli-user"))
    assert spec.user == "cli-user"


def test_ansible_host_is_the_ssh_config_lookup_key(ssh_config: Path) -> None:
    spec = spec_from_vars("app", {"ansible_host": "web1"}, ConnectionOptions(ssh_config=ssh_config))
    assert spec.address == "127.0.0.5"


def test_local_connection_and_become_vars() -> None:
    spec = spec_from_vars(
        "ctl",
        {"ansible_connection": "local", "ansible_become": "yes", "ansible_become_user": "app",
         "ansible_become_password": "pw"},
        ConnectionOptions(ssh_config=None),
    )
    assert spec.kind == "local"
    assert spec.become is not None and (spec.become.user, spec.become.password) == ("app", "pw")
    assert "pw" not in repr(spec)


def test_secrets_are_not_in_repr() -> None:
    spec = spec_from_vars("h", {"ansible_password": "hunter2"}, ConnectionOptions(ssh_config=None))
    assert spec.password == "hunter2"
    assert "hunter2" not in repr(spec)


@pytest.mark.parametrize(
    ("hostvars", "fragment"),
    [
        ({"ansible_connection": "winrm"}, "unsupported ansible_connection"),
        ({"ansible_port": "ssh"}, "ansible_port must be a number"),
        ({"ansible_become": "maybe"}, "ansible_become must be a boolean"),
    ],
)
def test_bad_connection_vars_are_clear_errors(hostvars: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConnectError) as info:
        spec_from_vars("h", hostvars, ConnectionOptions(ssh_config=None))
    assert fragment in info.value.message
    assert info.value.host == "h"


def test_parse_jump() -> None:
    assert parse_jump("a@j1:2200,j2,[::1]:2022", "me") == [
        ("a", "j1", 2200), ("me", "j2", 22), ("me", "::1", 2022)
    ]


def test_fingerprint_matches_ssh_keygen(tmp_path: Path) -> None:
    import subprocess

    key_path = tmp_path / "k"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key_path)], check=True)
    listed = subprocess.run(["ssh-keygen", "-lf", str(key_path) + ".pub"], check=True,
                            capture_output=True, text=True).stdout.split()[1]
    assert fingerprint(paramiko.Ed25519Key.from_private_key_file(str(key_path))) == listed


def test_host_key_checking_var_turns_checking_off_per_host() -> None:
    options = ConnectionOptions(ssh_config=None, host_key_checking="strict")
    assert spec_from_vars("a", {"ansible_host_key_checking": "false"}, options).host_key_checking == "off"
    assert spec_from_vars("b", {"ansible_host_key_checking": True}, options).host_key_checking == "strict"
    assert spec_from_vars("c", {}, options).host_key_checking == "strict"
