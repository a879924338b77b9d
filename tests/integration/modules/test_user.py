"""user and its password on a fresh host; the hash must never leave the controller in clear."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.connection import ConnectionOptions, SSHConnection, connect
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost
from tests.lab.fixtures import HostFactory

# crypt(3) SHA-512 of "secret" with salt "salt" (mkpasswd -m sha-512 secret salt)
HASH = "$6$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5iwMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g."


@pytest.fixture
def host(fresh_host: HostFactory) -> LabHost:
    made = fresh_host()
    made.exec("groupadd -g 1777 web && groupadd ops", check=True)
    return made


@pytest.fixture
def conn(host: LabHost, tmp_path: Path) -> Iterator[SSHConnection]:
    connection = connect(host.name, {
        "ansible_host": host.address, "ansible_user": host.user,
        "ansible_ssh_private_key_file": str(host.key_path)},
        ConnectionOptions(host_key_checking="off", ssh_config=None, known_hosts=tmp_path / "kh"))
    assert isinstance(connection, SSHConnection)
    yield connection
    connection.close()


def account(host: LabHost, name: str = "alice") -> str:
    return host.exec(f"getent passwd {name}; id {name}; getent shadow {name} | cut -d: -f2; "
                     f"ls -ld /home/{name} 2>&1").stdout


def test_create_with_password_groups_and_shell(host: LabHost, conn: SSHConnection) -> None:
    args = {"name": "alice", "uid": 2001, "groups": ["web"], "shell": "/bin/bash", "comment": "Alice",
            "password": HASH}
    first, checked = assert_contract(conn, "user", args, {**args, "shell": "/bin/sh", "password": "$6$x$y"},
                                     lambda: account(host))
    seen = account(host)
    assert "alice:x:2001:2001:Alice:/home/alice:/bin/bash" in seen and "1777(web)" in seen
    assert HASH in seen and "drwx" in seen
    assert first.result["uid"] == 2001 and first.result["home"] == "/home/alice"
    assert first.result["password"] == "NOT_LOGGING_PASSWORD"
    assert [s.summary for s in checked.steps] == ["change user alice: shell", "set the password of alice"]
    # the hash was never on a command line, in a result or in a diff
    assert not any(HASH in line for line in host.command_log())
    assert HASH not in repr(first.result) and HASH not in repr(checked.result)


def test_groups_append_and_replace(host: LabHost, conn: SSHConnection) -> None:
    run(conn, "user", {"name": "alice", "groups": "web"})
    assert_contract(conn, "user", {"name": "alice", "groups": ["ops"], "append": True},
                    {"name": "alice", "groups": ["ops"]}, lambda: account(host))
    assert "1777(web)" in account(host) and "(ops)" in account(host)
    assert run(conn, "user", {"name": "alice", "groups": []}).changed
    assert "web" not in account(host) and "ops" not in account(host)


def test_absent_with_remove(host: LabHost, conn: SSHConnection) -> None:
    run(conn, "user", {"name": "alice"})
    run(conn, "user", {"name": "bob"})
    assert_contract(conn, "user", {"name": "alice", "state": "absent", "remove": True},
                    {"name": "bob", "state": "absent"}, lambda: account(host) + account(host, "bob"))
    assert "No such file" in account(host) and "bob:x:" in account(host, "bob")


def test_a_group_named_like_the_user_is_taken_as_primary(host: LabHost, conn: SSHConnection) -> None:
    host.exec("groupadd carol", check=True)
    outcome = run(conn, "user", {"name": "carol", "create_home": False})
    assert not outcome.failed, outcome.result
    assert "carol:x:" in host.exec("getent passwd carol").stdout
