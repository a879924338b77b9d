"""authorized_key on a fresh host, proven by logging in with the key it installed."""

from __future__ import annotations

import paramiko
import pytest

from dockyard.connection import SSHConnection
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost


@pytest.fixture
def own_host(own_host: LabHost) -> LabHost:
    """A host of this test alone with user bob, whose password is locked: only a key logs in."""
    own_host.exec("useradd -m -s /bin/sh bob && usermod -p '*' bob", check=True)
    return own_host


def new_key() -> tuple[paramiko.Ed25519Key | paramiko.ECDSAKey, str]:
    key = paramiko.ECDSAKey.generate()
    return key, f"{key.get_name()} {key.get_base64()} test@dockyard"


def files(host: LabHost) -> str:
    return host.exec("stat -c '%n %a %U' /home/bob/.ssh /home/bob/.ssh/authorized_keys 2>&1; "
                     "cat /home/bob/.ssh/authorized_keys 2>&1").stdout


def can_log_in(host: LabHost, key: paramiko.PKey) -> bool:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        client.connect(host.address, username="bob", pkey=key, look_for_keys=False, allow_agent=False,
                       timeout=10)
        return True
    except paramiko.AuthenticationException:
        return False
    finally:
        client.close()


def test_a_key_is_installed_and_works(own_host: LabHost, own_conn: SSHConnection) -> None:
    key, line = new_key()
    other, other_line = new_key()
    assert not can_log_in(own_host, key)
    first, _ = assert_contract(own_conn, "authorized_key", {"user": "bob", "key": line},
                               {"user": "bob", "key": other_line}, lambda: files(own_host))
    assert "/home/bob/.ssh 700 bob" in files(own_host) and "/home/bob/.ssh/authorized_keys 600 bob" in files(own_host)
    assert first.result["keyfile"] == "/home/bob/.ssh/authorized_keys"
    assert can_log_in(own_host, key) and not can_log_in(own_host, other)


def test_options_exclusive_and_absent(own_host: LabHost, own_conn: SSHConnection) -> None:
    key, line = new_key()
    other, other_line = new_key()
    run(own_conn, "authorized_key", {"user": "bob", "key": f"{line}\n{other_line}"})
    assert can_log_in(own_host, key) and can_log_in(own_host, other)
    assert_contract(own_conn, "authorized_key", {"user": "bob", "key": line, "exclusive": True, "key_options": "no-pty"},
                    {"user": "bob", "key": line, "state": "absent"}, lambda: files(own_host))
    text = own_host.exec("cat /home/bob/.ssh/authorized_keys").stdout
    assert text == f"no-pty {line}\n"
    assert can_log_in(own_host, key) and not can_log_in(own_host, other)
    run(own_conn, "authorized_key", {"user": "bob", "key": line, "state": "absent"})
    assert not can_log_in(own_host, key)


def test_loose_modes_are_tightened(own_host: LabHost, own_conn: SSHConnection) -> None:
    _, line = new_key()
    own_host.exec(f"mkdir -p /home/bob/.ssh && echo '{line}' > /home/bob/.ssh/authorized_keys && "
                  "chmod 755 /home/bob/.ssh && chmod 644 /home/bob/.ssh/authorized_keys", check=True)
    outcome = run(own_conn, "authorized_key", {"user": "bob", "key": line})
    assert outcome.changed and "/home/bob/.ssh 700 bob" in files(own_host)
    assert "/home/bob/.ssh/authorized_keys 600 bob" in files(own_host)
    assert [s.summary.split(":")[0] for s in outcome.steps] == [
        "owner of /home/bob/.ssh", "group of /home/bob/.ssh", "mode of /home/bob/.ssh",
        "owner of /home/bob/.ssh/authorized_keys", "group of /home/bob/.ssh/authorized_keys",
        "mode of /home/bob/.ssh/authorized_keys"]
