"""user and its password on a fresh host; the hash must never leave the controller in clear."""

from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost

# crypt(3) SHA-512 of "secret" with salt "salt" (mkpasswd -m sha-512 secret salt)
HASH = "$6$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5iwMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g."


@pytest.fixture
def own_host(own_host: LabHost) -> LabHost:
    """A host of this test alone with the groups web (gid 1777) and ops."""
    own_host.exec("groupadd -g 1777 web && groupadd ops", check=True)
    return own_host


def account(host: LabHost, name: str = "alice") -> str:
    return host.exec(f"getent passwd {name}; id {name}; getent shadow {name} | cut -d: -f2; "
                     f"ls -ld /home/{name} 2>&1").stdout


def test_create_with_password_groups_and_shell(own_host: LabHost, own_conn: SSHConnection) -> None:
    args = {"name": "alice", "uid": 2001, "groups": ["web"], "shell": "/bin/bash", "comment": "Alice",
            "password": HASH}
    first, checked = assert_contract(own_conn, "user", args, {**args, "shell": "/bin/sh", "password": "$6$x$y"},
                                     lambda: account(own_host))
    seen = account(own_host)
    assert "alice:x:2001:2001:Alice:/home/alice:/bin/bash" in seen and "1777(web)" in seen
    assert HASH in seen and "drwx" in seen
    assert first.result["uid"] == 2001 and first.result["home"] == "/home/alice"
    assert first.result["password"] == "NOT_LOGGING_PASSWORD"
    assert [s.summary for s in checked.steps] == ["change user alice: shell", "set the password of alice"]
    # the hash was never on a command line, in a result or in a diff
    assert not any(HASH in line for line in own_host.command_log())
    assert HASH not in repr(first.result) and HASH not in repr(checked.result)


def test_groups_append_and_replace(own_host: LabHost, own_conn: SSHConnection) -> None:
    run(own_conn, "user", {"name": "alice", "groups": "web"})
    assert_contract(own_conn, "user", {"name": "alice", "groups": ["ops"], "append": True},
                    {"name": "alice", "groups": ["ops"]}, lambda: account(own_host))
    assert "1777(web)" in account(own_host) and "(ops)" in account(own_host)
    assert run(own_conn, "user", {"name": "alice", "groups": []}).changed
    assert "web" not in account(own_host) and "ops" not in account(own_host)


def test_absent_with_remove(own_host: LabHost, own_conn: SSHConnection) -> None:
    run(own_conn, "user", {"name": "alice"})
    run(own_conn, "user", {"name": "bob"})
    assert_contract(own_conn, "user", {"name": "alice", "state": "absent", "remove": True},
                    {"name": "bob", "state": "absent"}, lambda: account(own_host) + account(own_host, "bob"))
    assert "No such file" in account(own_host) and "bob:x:" in account(own_host, "bob")


def test_a_group_named_like_the_user_is_taken_as_primary(own_host: LabHost, own_conn: SSHConnection) -> None:
    own_host.exec("groupadd carol", check=True)
    outcome = run(own_conn, "user", {"name": "carol", "create_home": False})
    assert not outcome.failed, outcome.result
    assert "carol:x:" in own_host.exec("getent passwd carol").stdout
